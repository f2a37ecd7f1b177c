/**
 * `jobs undo JOURNAL`: put the release's workspace back as it was before it, from its journal.
 *
 * 1. The jobs it replaced: its rollback archive imported with overwrite into the journal's
 *    workspace, as a release of its own (stop what runs, read back, start again; its own journal
 *    and rollback archive, so an undo can be undone), staged where the release staged.
 * 2. The run status: each job the release stopped that was running before is started again if it
 *    is not running now (a PAUSED one cannot be paused again through the API: named).
 * 3. The jobs it created: listed; with --delete-created stopped if needed and deleted.
 */
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { CommandContext } from '../context.js';
import type { Session } from '../api/session.js';
import { pathExists } from '../util/atomic.js';
import { changeScheduling, RUNNING_STATUSES, type SchedulingResult } from '../scheduling/change.js';
import type { JobOutcome } from './task.js';
import { ReleaseJournal, type ReleaseRecord } from './journal.js';

/** `{release journal}-undo[-N].json` beside it, not existing yet. */
export async function undoJournalPath(releaseJournal: string): Promise<string> {
  const base = releaseJournal.replace(/\.json$/, '');
  for (let n = 1; ; n++) {
    const candidate = `${base}-undo${n > 1 ? `-${n}` : ''}.json`;
    if (!(await pathExists(candidate))) return candidate;
  }
}

/** The options of the `jobs import` that puts the replaced jobs back (JobsImportOptions). */
export function restoreImportOptions(record: ReleaseRecord, u: { journal: string; timeout: number }) {
  return {
    archive: record.rollback!,
    duplicatePolicy: 'overwrite' as const,
    // In an approval workspace the release needed these; the restore does too. executeUser and
    // params are left out: the rollback archive holds the jobs' own values.
    ...(record.settings.targetStatus ? { targetStatus: record.settings.targetStatus.toLowerCase() as 'saved' | 'submitted' | 'production' } : {}),
    approver: record.settings.approvers,
    param: [],
    jobParam: [],
    ...(record.staging ? { obsPath: record.staging } : {}),
    stopRunning: true,
    dryRun: false,
    keepStaged: false,
    wait: true,
    timeout: u.timeout,
    map: [],
    restart: true,
    verify: true,
    journal: u.journal,
  };
}

/** A context whose stdout goes nowhere: the restore's own result is read from its journal. */
export function quietContext(ctx: CommandContext): CommandContext {
  const sink = new PassThrough();
  sink.resume();
  return { ...ctx, globals: { ...ctx.globals, json: false }, deps: { ...ctx.deps, io: { ...ctx.deps.io, stdout: sink } } };
}

/** What the restore import did, per job (from its journal; empty when it never got that far). */
export async function restoredOutcomes(journal: string, now: () => Date): Promise<{ outcomes: JobOutcome[]; record?: ReleaseRecord }> {
  if (!(await pathExists(journal))) return { outcomes: [] };
  const { record } = await ReleaseJournal.open(journal, now);
  return { outcomes: record.outcomes, record: record as ReleaseRecord };
}

/** Step 2: start again what was running before the release and is not now. */
export async function restoreRunStatus(ctx: CommandContext, session: Session, u: { record: ReleaseRecord; timeoutMs: number }): Promise<SchedulingResult[]> {
  const wanted = u.record.stopped.filter((j) => RUNNING_STATUSES.has(j.statusBefore));
  const paused = u.record.stopped.filter((j) => j.statusBefore === 'PAUSED');
  if (paused.length > 0) ctx.ui.warn(`${paused.map((j) => j.name).join(', ')} ${paused.length === 1 ? 'was' : 'were'} PAUSED before the release; the API cannot pause a job: resume or pause it in the console`);
  if (wanted.length === 0) return [];
  const listed = new Map((await session.dataarts.listAllJobs()).map((j) => [j.name, j]));
  const jobs = wanted.filter((j) => listed.has(j.name)).map((j) => ({ name: j.name, type: j.type, status: listed.get(j.name)!.status }));
  const results = await changeScheduling(session.dataarts, jobs, { action: 'start', wait: true, timeoutMs: u.timeoutMs, signal: ctx.deps.signal, now: () => ctx.deps.now().getTime() });
  const gone = wanted.filter((j) => !listed.has(j.name));
  return [...results, ...gone.map((j) => ({ name: j.name, type: j.type, before: j.statusBefore, status: null, result: 'failed' as const, message: 'the job is no longer in the workspace' }))];
}

export interface CreatedJob {
  name: string;
  state: 'left in place' | 'deleted' | 'already gone' | 'failed';
  message?: string;
}

/** Step 3: the jobs the release created; deleted (stopped first if needed) when asked. */
export async function handleCreated(ctx: CommandContext, session: Session, u: { record: ReleaseRecord; deleteCreated: boolean }): Promise<CreatedJob[]> {
  const names = u.record.outcomes.filter((o) => o.result === 'created').map((o) => o.name);
  if (names.length === 0) return [];
  if (!u.deleteCreated) {
    ctx.ui.info(`The release created ${names.length} job${names.length === 1 ? '' : 's'}, left in place: ${names.join(', ')} (--delete-created deletes them)`);
    return names.map((name) => ({ name, state: 'left in place' }));
  }
  const listed = new Map((await session.dataarts.listAllJobs()).map((j) => [j.name, j]));
  const out: CreatedJob[] = [];
  for (const name of names) {
    const job = listed.get(name);
    if (!job) {
      out.push({ name, state: 'already gone' });
      continue;
    }
    try {
      if (job.status !== 'STOPPED') {
        const [stopped] = await changeScheduling(session.dataarts, [{ name, type: job.jobType, status: job.status }], { action: 'stop', wait: true, timeoutMs: 60_000, signal: ctx.deps.signal, now: () => ctx.deps.now().getTime() });
        if (stopped!.result === 'failed') throw new Error(`could not stop it first: ${stopped!.message}`);
      }
      await session.dataarts.deleteJob(name);
      out.push({ name, state: 'deleted' });
    } catch (err) {
      // The delete is not repeated: whether it went through is read from the list.
      const still = (await session.dataarts.listAllJobs().catch(() => [])).some((j) => j.name === name);
      out.push(still ? { name, state: 'failed', message: (err as Error).message } : { name, state: 'deleted' });
    }
  }
  return out;
}

/** Where the rollback archive is, relative to nothing: the journal holds an absolute path. */
export function rollbackOf(record: ReleaseRecord): string | undefined {
  return record.rollback === null ? undefined : path.resolve(record.rollback);
}
