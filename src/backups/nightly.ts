/**
 * The state-file side of one `export-workspace --state-file` run: before anything is requested,
 * check where the state lives and take the lock, then read the state under it; at the end, record
 * the run (only with its archive in place, and only while the lock is still this run's) and apply
 * `--keep`.
 */
import path from 'node:path';
import type { CommandContext } from '../context.js';
import { removeLeftovers } from '../export/leftovers.js';
import type { Ui } from '../output/ui.js';
import { acquireLock, type HeldLock } from './lock.js';
import { isObsLocation, type Location } from './location.js';
import type { BackupAccess } from './open-state.js';
import type { RetentionPolicy } from './retention.js';
import { recordRun, removeUnneededArchives, type NewRun } from './record-run.js';
import { checkStateLocation } from './state-location.js';
import { readState, writeState, type ExportState } from './state-file.js';

export interface BackupRun {
  lock: HeldLock;
  previous: ExportState | undefined;
}

export async function beginBackupRun(ctx: CommandContext, access: BackupAccess, stateFile: Location): Promise<BackupRun> {
  if (!isObsLocation(stateFile)) await checkStateLocation(stateFile);
  const lock = await acquireLock(access.repo, stateFile, { cleanup: ctx.deps.cleanup, now: ctx.deps.now, warn: (m) => ctx.ui.warn(m) });
  try {
    // Read under the lock: the state a run before this one just wrote.
    const previous = await readState(access.repo, stateFile);
    if (!isObsLocation(stateFile)) for (const p of await removeLeftovers(path.dirname(stateFile))) ctx.ui.info(`removed ${p}, left by a run that was killed`);
    if (previous?.unchained) ctx.ui.info(`${stateFile} was written by an older dataarts: this run adds the records' checksums`);
    return { lock, previous };
  } catch (err) {
    await lock.release();
    throw err;
  }
}

/** Record the run and apply the retention rules; returns the archives removed. */
export async function finishBackupRun(
  access: BackupAccess,
  run: BackupRun & { stateFile: Location; workspace: string; retention: RetentionPolicy | undefined; onRecorded: () => void },
  newRun: NewRun,
): Promise<Location[]> {
  const { stateFile, workspace, retention } = run;
  const next = recordRun(run.previous, newRun, { stateFile, workspace, retention });
  await run.lock.check();
  await writeState(access.repo, stateFile, next.state);
  // From here the archive is the state's: a later failure must not remove it.
  run.onRecorded();
  return removeUnneededArchives(access.repo, { stateFile, dropped: next.dropped, kept: next.state.runs });
}

/** `rules`: the retention flags in words (retention.ts describePolicy). */
export function reportRemoved(ui: Ui, removed: Location[], rules: string): void {
  for (const r of removed) ui.info(`removed ${r}: no kept restore point needs it (${rules})`);
}
