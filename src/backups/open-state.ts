/** The state file the `backups` commands read: it must exist and be a dataarts state (exit 7 otherwise). */
import path from 'node:path';
import { LocalFileError } from '../errors.js';
import { readState, type ExportState } from '../export/state-file.js';

export async function openBackupState(cwd: string, typed: string): Promise<{ file: string; state: ExportState }> {
  const file = path.resolve(cwd, typed);
  const state = await readState(file);
  if (!state) throw new LocalFileError('read', file, 'no such file or directory', { code: 'ENOENT', hint: 'Give the --state-file that `jobs export-workspace` writes.' });
  return { file, state };
}
