/**
 * When a release journal has nothing left to finish: no import task that may still run, no staged
 * object left behind that the release should remove, and every job it stopped either running again
 * or left stopped for a reason another try cannot change.
 */
import type { ReleaseRecord, RestartResult } from './journal.js';

/** Restart results another `--resume` may change (a failed call or read, not a decision). */
export function mayRetry(r: RestartResult): boolean {
  return r.result === 'left stopped' && r.retry === true;
}

export function isFinished(record: ReleaseRecord): boolean {
  for (const part of record.parts) {
    if (part.importCall === 'sending') return false;
    if (part.importCall === 'started' && part.status === undefined) return false;
    const keep = record.settings.keepStaged && part.importCall === 'started';
    if (part.staged !== undefined && part.stagedRemoved !== true && !keep) return false;
  }
  for (const job of record.stopped) {
    const r = record.restarts.find((x) => x.name === job.name);
    if (!r || mayRetry(r)) return false;
  }
  return true;
}
