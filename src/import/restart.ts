/**
 * Starting again what `--stop-running` stopped. A release must not silently halt production
 * scheduling: after the import every stopped job that was imported successfully (and read back
 * as staged) is started again (`POST …/jobs/{name}/start`, reference §7); real-time jobs are
 * followed until they report running, within --timeout. Every stopped job ends up in the result
 * as `restarted` or `left stopped` with the reason, and a failed start is exit 5 naming the job.
 *
 * After a failure the same rule decides: a job whose definition this run never sent to the
 * service is unchanged, so starting it again is safe; one whose import outcome is not a success
 * stays stopped, and the message says so by name.
 */
import { backoff, sleep } from './backoff.js';
import type { ImportRun, RestartResult } from './run.js';
import { namedFew } from '../output/bounded.js';

export type { RestartResult } from './run.js';

const PAUSED_REASON = 'it was PAUSED before the import, and the API cannot pause it again: resume or pause it in the console';

/** Left stopped on purpose (asked, or it was paused): not a failure of the run. */
export function leftStoppedOnPurpose(r: RestartResult, run: ImportRun): boolean {
  return r.result === 'left stopped' && (!run.settings.restart || r.reason === PAUSED_REASON);
}

/** Statuses that mean "running again" (reference §7: SCHEDULING for batch, NORMAL for real-time). */
const RUNNING = new Set(['SCHEDULING', 'NORMAL']);
/** Statuses after which waiting longer will not help. */
const FAILED = new Set(['EXCEPTION', 'ABNORMAL', 'DISABLE']);

interface RestartServices {
  startJob(name: string): Promise<void>;
  /** The job's current status, or undefined when it no longer exists. */
  currentStatus(name: string, jobType: string): Promise<string | undefined>;
}

interface RestartOptions {
  timeoutMs: number;
  signal: AbortSignal;
  now: () => number;
}

/** Why a stopped job must stay stopped, or undefined when it may be started again. */
function reasonToLeaveStopped(run: ImportRun, name: string): string | undefined {
  if (!run.settings.restart) return 'left stopped as asked (--no-restart)';
  // (inferred) Starting a paused batch job would schedule it; the API has no call to pause it again.
  const before = run.planned.jobs.find((p) => p.name === name)?.existingStatus;
  if (before === 'PAUSED') return PAUSED_REASON;
  const outcome = run.outcomes.find((o) => o.name === name);
  if (outcome) {
    if (outcome.result !== 'overwritten' && outcome.result !== 'created') return `its import did not succeed (${outcome.result}${outcome.message ? `: ${outcome.message}` : ''})`;
    const check = run.verification.find((v) => v.name === name);
    if (check?.state === 'differs') return `the workspace's copy differs from what was staged (${check.changes.slice(0, 3).map((c) => c.path).join(', ')})`;
    return undefined;
  }
  // No outcome: unchanged when its definition never reached the service.
  if (!run.sent.has(name)) return undefined;
  return "the import's outcome for this job is not known";
}

/** Start each job and wait until the service lists it running; one result per job. */
async function startAndWait(jobs: { name: string; type: string }[], services: RestartServices, options: RestartOptions): Promise<RestartResult[]> {
  const results = new Map<string, RestartResult>();
  const pending: { name: string; type: string }[] = [];
  for (const job of jobs) {
    try {
      await services.startJob(job.name);
      pending.push(job);
    } catch (err) {
      results.set(job.name, { name: job.name, result: 'left stopped', reason: `the start call failed: ${(err as Error).message}` });
    }
  }
  const deadline = options.now() + options.timeoutMs;
  const delays = backoff(100, 2000);
  let waiting = pending;
  while (waiting.length > 0) {
    const statuses = await Promise.all(waiting.map((j) => services.currentStatus(j.name, j.type).catch(() => undefined)));
    const still: typeof waiting = [];
    waiting.forEach((job, i) => {
      const status = statuses[i];
      if (status !== undefined && RUNNING.has(status)) results.set(job.name, { name: job.name, result: 'restarted' });
      else if (status === undefined) results.set(job.name, { name: job.name, result: 'left stopped', reason: 'the job is no longer in the workspace' });
      else if (FAILED.has(status)) results.set(job.name, { name: job.name, result: 'left stopped', reason: `started, but the service reports ${status}` });
      else still.push(job);
    });
    waiting = still;
    if (waiting.length === 0) break;
    const remaining = deadline - options.now();
    if (remaining <= 0) {
      for (const job of waiting) results.set(job.name, { name: job.name, result: 'left stopped', reason: `started, but not running after ${Math.round(options.timeoutMs / 1000)} s (--timeout)` });
      break;
    }
    await sleep(Math.min(delays.next(), remaining), options.signal);
  }
  return jobs.map((j) => results.get(j.name)!);
}

/**
 * Restart what may be restarted, record every stopped job's result on the run, and say it on
 * stderr. Never throws for a job that could not be started: the caller decides the exit code.
 */
export async function restartStopped(run: ImportRun): Promise<RestartResult[]> {
  const { ctx, session } = run;
  if (run.stopped.length === 0) return [];
  const types = new Map(run.planned.jobs.map((p) => [p.name, p.type]));
  const left: RestartResult[] = [];
  const toStart: { name: string; type: string }[] = [];
  for (const name of run.stopped) {
    const reason = reasonToLeaveStopped(run, name);
    if (reason) left.push({ name, result: 'left stopped', reason });
    else toStart.push({ name, type: types.get(name) ?? 'BATCH' });
  }
  let started: RestartResult[] = [];
  if (toStart.length > 0) {
    ctx.ui.info(`Starting again ${toStart.length} job${toStart.length === 1 ? '' : 's'} that --stop-running stopped: ${namedFew(toStart.map((j) => j.name))}`);
    started = await startAndWait(
      toStart,
      {
        startJob: (name) => session.dataarts.startJob(name),
        currentStatus: async (name, jobType) => {
          if (jobType === 'REAL_TIME') return (await session.dataarts.getJobStatus(name)).status;
          const listed = await session.dataarts.listJobs('BATCH', { jobName: name });
          return listed.find((j) => j.name === name)?.status;
        },
      },
      { timeoutMs: run.settings.timeoutMs, signal: ctx.deps.signal, now: () => ctx.deps.now().getTime() },
    );
  }
  const byName = new Map([...left, ...started].map((r) => [r.name, r]));
  run.restarts = run.stopped.map((name) => byName.get(name)!);
  reportRestarts(run);
  return run.restarts;
}

function reportRestarts(run: ImportRun): void {
  const { ui } = run.ctx;
  const restarted = run.restarts.filter((r) => r.result === 'restarted').map((r) => r.name);
  if (restarted.length > 0) ui.info(`Restarted: ${namedFew(restarted)}`);
  const left = run.restarts.filter((r) => r.result === 'left stopped');
  if (left.length > 0) {
    ui.warn(`${left.length} job${left.length === 1 ? '' : 's'} stopped by --stop-running ${left.length === 1 ? 'is' : 'are'} left stopped: ${namedFew(left.map((r) => `${r.name} (${r.reason})`), 3)}`);
  }
}


/**
 * After a failure: start again the stopped jobs that are safe to start (never sent to the service,
 * or imported successfully), and name every one that stays stopped. Never throws: the run's own
 * error is what the user must see.
 */
export async function restartAfterFailure(run: ImportRun): Promise<void> {
  if (run.stopped.length === 0 || run.restarts.length > 0) return;
  if (run.ctx.deps.signal.aborted) {
    run.ctx.ui.warn(`interrupted: ${run.stopped.length} job${run.stopped.length === 1 ? ' was' : 's were'} stopped by --stop-running and stay stopped: ${namedFew(run.stopped, 10)}`);
    return;
  }
  try {
    await restartStopped(run);
  } catch (err) {
    const pending = run.stopped.filter((n) => !run.restarts.some((r) => r.name === n && r.result === 'restarted'));
    run.ctx.ui.warn(`could not start them again (${(err as Error).message}): these jobs were stopped by --stop-running and stay stopped: ${pending.join(', ')}`);
  }
}
