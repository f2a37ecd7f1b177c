/**
 * `--stop-running`: stop the same-name jobs the import would overwrite and that are not stopped,
 * then wait until the service lists them as STOPPED (batch jobs stop at once; real-time jobs pass
 * through STOPPING (reference §7)). Jobs already stopped are never touched.
 */
import { ServiceError } from '../errors.js';
import { backoff } from '../util/backoff.js';
import { sleep } from '../util/abort.js';
import { isStopped } from './job-actions.js';
import type { ImportRun } from './run.js';
import type { StoppedJob } from './journal.js';
import { namedFew } from '../output/bounded.js';
import { mapLimit } from '../util/pool.js';

/** Status reads in flight while waiting for STOPPED (60 stopped jobs are not 60 requests at once). */
const STATUS_READS = 4;

export interface StopServices {
  stopJob(name: string): Promise<void>;
  /** The job's current list status, or undefined when it no longer exists. */
  currentStatus(name: string, jobType: string): Promise<string | undefined>;
}

export interface StopOptions {
  timeoutMs: number;
  signal: AbortSignal;
  now: () => number;
}

export async function stopAndWait(jobs: { name: string; type: string }[], services: StopServices, options: StopOptions): Promise<string[]> {
  for (const job of jobs) await services.stopJob(job.name);
  const deadline = options.now() + options.timeoutMs;
  const delays = backoff(200, 2000);
  let pending = jobs;
  for (;;) {
    const statuses = await mapLimit(pending, STATUS_READS, (j) => services.currentStatus(j.name, j.type));
    pending = pending.filter((_, i) => statuses[i] !== undefined && !isStopped(statuses[i]!));
    if (pending.length === 0) return jobs.map((j) => j.name);
    const remaining = deadline - options.now();
    if (remaining <= 0) {
      throw new ServiceError(`asked the service to stop ${pending.map((j) => j.name).join(', ')}, but ${pending.length === 1 ? 'it is' : 'they are'} still not STOPPED after ${Math.round(options.timeoutMs / 1000)} s; nothing was uploaded`, {
        hint: 'Check the jobs with `dataarts jobs list`, then run the import again (or raise --timeout).',
      });
    }
    await sleep(Math.min(delays.next(), remaining), options.signal);
  }
}

/**
 * Stop the jobs the plan marks `stopFirst`; returns them with the status each had before.
 * `onStopping` is called (and awaited) before each stop call: the runner records the job in the
 * journal first, so whatever kills the process next, the job is started again (`--resume`) or
 * named. Starting again a job whose stop never arrived is harmless: it was running anyway.
 */
export async function stopRunningJobs(run: ImportRun, onStopping: (job: StoppedJob) => Promise<void>): Promise<StoppedJob[]> {
  const { ctx, session } = run;
  const toStop = run.planned.jobs.filter((p) => p.stopFirst).map((p) => ({ name: p.name, type: p.type, statusBefore: p.existingStatus ?? 'UNKNOWN' }));
  if (toStop.length === 0) return [];
  const names = namedFew(toStop.map((j) => j.name));
  ctx.ui.info(`Stopping ${toStop.length} running job${toStop.length === 1 ? '' : 's'} that the import overwrites: ${names}`);
  ctx.ui.debug(`stopping: ${toStop.map((j) => j.name).join(', ')}`);
  const stopped: StoppedJob[] = [];
  await stopAndWait(
    toStop,
    {
      stopJob: async (name) => {
        const job = toStop.find((j) => j.name === name)!;
        if (!stopped.includes(job)) {
          stopped.push(job);
          await onStopping(job);
        }
        await session.dataarts.stopJob(name);
      },
      currentStatus: async (name, jobType) => {
        const listed = await session.dataarts.listJobs(jobType === 'REAL_TIME' ? 'REAL_TIME' : 'BATCH', { jobName: name });
        return listed.find((j) => j.name === name)?.status;
      },
    },
    { timeoutMs: run.settings.timeoutMs, signal: ctx.deps.signal, now: () => ctx.deps.now().getTime() },
  );
  ctx.ui.info(`Stopped: ${namedFew(stopped.map((j) => j.name))}`);
  return stopped;
}
