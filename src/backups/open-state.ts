/**
 * What the backup commands work on: the repository (local, or OBS through one session opened only
 * when an `obs://` location is used), local scratch space for OBS archives, and the state file,
 * which must exist and be a dataarts state (exit 7 otherwise; exit 4 when it was tampered with).
 */
import type { CommandContext } from '../context.js';
import type { Session } from '../api/session.js';
import { LocalFileError } from '../errors.js';
import { resolveLocation, type Location } from './location.js';
import { Repository } from './repository.js';
import { createScratch, type Scratch } from './scratch.js';
import { readState, type ExportState } from './state-file.js';

export interface BackupAccess {
  repo: Repository;
  /** Local scratch space, created on first use. */
  scratch: () => Promise<Scratch>;
  /** The run's session (opened on first use: only OBS locations and the export need one). */
  session: () => Promise<Session>;
  close(): Promise<void>;
}

function once<T>(make: () => Promise<T>): { get: () => Promise<T>; made: () => Promise<T> | undefined } {
  let made: Promise<T> | undefined;
  return { get: () => (made ??= make()), made: () => made };
}

export function openBackupAccess(ctx: CommandContext): BackupAccess {
  const session = once(async () => (await import('../api/session.js')).openSession(ctx));
  const scratch = once(() => createScratch(ctx.deps.cleanup));
  const repo = new Repository({
    cleanup: ctx.deps.cleanup,
    obs: async () => {
      const s = await session.get();
      return { main: s.obs, cleanup: s.cleanupObs };
    },
  });
  return {
    repo,
    scratch: scratch.get,
    session: session.get,
    close: async () => {
      await (await scratch.made()?.catch(() => undefined))?.dispose();
      await (await session.made()?.catch(() => undefined))?.close();
    },
  };
}

export async function openBackupState(ctx: CommandContext, access: BackupAccess, typed: string): Promise<{ file: Location; state: ExportState }> {
  const file = resolveLocation(ctx.deps.cwd, typed, { flag: '--state-file' });
  const state = await readState(access.repo, file);
  if (!state) throw new LocalFileError('read', file, 'no such file or directory', { code: 'ENOENT', hint: 'Give the --state-file that `jobs export-workspace` writes.' });
  return { file, state };
}
