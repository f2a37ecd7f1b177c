/**
 * What one night (`jobs export-workspace --state-file`) reports and remembers besides its archive:
 * the jobs added, changed and deleted since the run before, and a failed night in the state file
 * (`backups status` reports it).
 */
import type { JobSummary } from '../api/dataarts.js';
import { DataartsError, ExitCode, exitCodeFor } from '../errors.js';
import { STATE_VERSION, readState, writeState, type FailedRun, type JobTimes } from './state-file.js';
import type { HeldLock } from './lock.js';
import type { Location } from './location.js';
import type { Repository } from './repository.js';

export interface NameChanges {
  added: string[];
  changed: string[];
  deleted: string[];
}

/** Jobs added, changed (lastUpdateTime moved) and deleted against the run before's list. */
export function jobChanges(before: JobTimes, listed: JobSummary[]): NameChanges {
  const added: string[] = [];
  const changed: string[] = [];
  const now = new Set<string>();
  for (const j of listed) {
    now.add(j.name);
    const old = before.get(j.name);
    if (old === undefined) added.push(j.name);
    else if (old !== (j.lastUpdateTime ?? 0)) changed.push(j.name);
  }
  const deleted = [...before.keys()].filter((n) => !now.has(n));
  return { added: added.sort(), changed: changed.sort(), deleted: deleted.sort() };
}

/** Failures kept in the state (the newest): enough to see a pattern, bounded so the file stays small. */
const MAX_FAILURES = 20;
const MAX_MESSAGE = 300;

/**
 * The failure as the state records it. Only this tool's own messages (which name paths, jobs and
 * service codes, never credentials) are kept; an unexpected error is recorded by its exit code only,
 * since its text is not known to be free of secrets.
 */
export function failureOf(err: unknown, at: Date): FailedRun {
  const exitCode = exitCodeFor(err);
  const message = err instanceof DataartsError ? err.message : exitCode === ExitCode.INTERNAL ? 'unexpected internal error' : 'failed';
  return { at: at.toISOString(), exitCode, message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message };
}

/**
 * Append a failed night to the state (under the run's lock). Best effort: when the state cannot be
 * read or written, the run's own error is what the user must see, so this one is only returned.
 */
export async function recordFailure(repo: Repository, stateFile: Location, failure: FailedRun, where: { workspace?: string; lock: HeldLock }): Promise<unknown> {
  try {
    // Only while the lock is still this run's: never over a state another run now owns.
    await where.lock.check();
    const state = await readState(repo, stateFile);
    const workspace = state?.workspace ?? where.workspace;
    if (workspace === undefined) return undefined;
    const failures = [...(state?.failures ?? []), failure].slice(-MAX_FAILURES);
    await writeState(repo, stateFile, { version: STATE_VERSION, workspace, runs: state?.runs ?? [], failures });
    return undefined;
  } catch (err) {
    return err;
  }
}
