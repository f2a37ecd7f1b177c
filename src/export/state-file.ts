/**
 * The `--state-file` of `jobs export-workspace`: what the last successful run did, so the next
 * one continues from it. Its cutoff is the START time of that run, so jobs changed while it ran
 * are exported again next time rather than missed. Written atomically, and only after the
 * archive is safely in place.
 */
import { promises as fs } from 'node:fs';
import type { CleanupRegistry } from '../context.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';

export const STATE_VERSION = 1;

export interface ExportState {
  version: number;
  workspace: string;
  /** ISO time the last successful run started: the next run's cutoff. */
  lastExportStartedAt: string;
  lastExportFinishedAt: string;
  /** Path of the archive that run wrote, absent when nothing had changed. */
  lastArchive?: string;
  lastSha256?: string;
  lastJobs: number;
  /** 'full' or the cutoff that run used (ISO). */
  lastCutoff: string;
}

/** The previous state, or undefined when the file does not exist yet (first run: full export). */
export async function readState(file: string): Promise<ExportState | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`--state-file ${file}: ${(err as Error).message}`);
  }
  let parsed: Partial<ExportState>;
  try {
    parsed = JSON.parse(text) as Partial<ExportState>;
  } catch {
    throw new UsageError(`--state-file ${file} is not valid JSON`, { hint: 'Fix or remove it (removing it makes the next run a full export).' });
  }
  if (
    typeof parsed !== 'object' || parsed === null ||
    parsed.version !== STATE_VERSION ||
    typeof parsed.workspace !== 'string' ||
    typeof parsed.lastExportStartedAt !== 'string' ||
    Number.isNaN(Date.parse(parsed.lastExportStartedAt))
  ) {
    throw new UsageError(`--state-file ${file} is not a dataarts export state (version ${STATE_VERSION}, workspace, lastExportStartedAt)`, {
      hint: 'Fix or remove it (removing it makes the next run a full export).',
    });
  }
  return parsed as ExportState;
}

export async function writeState(file: string, state: ExportState, cleanup: CleanupRegistry): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`, { force: true, cleanup });
}
