/**
 * Starting and stopping job scheduling (`POST …/jobs/{name}/start|stop`, reference §7) and waiting
 * until the service reports the state: STOPPED after a stop; SCHEDULING (batch) or NORMAL
 * (real-time) after a start. Real-time jobs pass through STOPPING/STARTING. Status reads are
 * retried by the client; a read that still fails is asked again on the next round, and only the
 * service's not-found answer means the job is gone.
 */
import { ApiError } from '../api/errors.js';
import type { DataArtsClient } from '../api/dataarts.js';
import { backoff } from '../util/backoff.js';
import { sleep } from '../util/abort.js';

export type SchedulingAction = 'start' | 'stop';

/** Statuses that mean "running" (reference §7: SCHEDULING for batch, NORMAL for real-time). */
export const RUNNING_STATUSES = new Set(['SCHEDULING', 'NORMAL']);
/** Statuses after which waiting longer for a start will not help. */
const START_FAILED = new Set(['EXCEPTION', 'ABNORMAL', 'DISABLE']);

export function reached(action: SchedulingAction, status: string): boolean {
  return action === 'start' ? RUNNING_STATUSES.has(status) : status === 'STOPPED';
}

/** The job's status; undefined only on the service's not-found answer. Other failures are thrown. */
export async function currentStatus(dataarts: DataArtsClient, job: { name: string; type: string }): Promise<string | undefined> {
  if (job.type === 'REAL_TIME') {
    try {
      return (await dataarts.getJobStatus(job.name)).status;
    } catch (err) {
      if (err instanceof ApiError && err.errorCode === 'DLF.0100') return undefined;
      throw err;
    }
  }
  const listed = await dataarts.listJobs('BATCH', { jobName: job.name });
  return listed.find((j) => j.name === job.name)?.status;
}

export interface SchedulingResult {
  name: string;
  type: string;
  /** The status before the call (from the list). */
  before: string;
  /** The last status read (null when it could not be read, or the job is gone). */
  status: string | null;
  result: 'started' | 'stopped' | 'already running' | 'already stopped' | 'requested' | 'failed';
  message?: string;
}

export interface SchedulingOptions {
  action: SchedulingAction;
  wait: boolean;
  timeoutMs: number;
  signal: AbortSignal;
  now: () => number;
}

/** Start or stop each job (skipping those already there), then wait unless told not to. */
export async function changeScheduling(dataarts: DataArtsClient, jobs: { name: string; type: string; status: string }[], options: SchedulingOptions): Promise<SchedulingResult[]> {
  const { action } = options;
  const results = new Map<string, SchedulingResult>();
  const pending: { name: string; type: string }[] = [];
  for (const job of jobs) {
    const base = { name: job.name, type: job.type, before: job.status };
    if (reached(action, job.status)) {
      results.set(job.name, { ...base, status: job.status, result: action === 'start' ? 'already running' : 'already stopped' });
      continue;
    }
    try {
      await (action === 'start' ? dataarts.startJob(job.name) : dataarts.stopJob(job.name));
      results.set(job.name, { ...base, status: null, result: 'requested' });
      pending.push(job);
    } catch (err) {
      results.set(job.name, { ...base, status: job.status, result: 'failed', message: `the ${action} call failed: ${(err as Error).message}` });
    }
  }
  if (options.wait) await waitForStates(dataarts, { pending, results }, options);
  return jobs.map((j) => results.get(j.name)!);
}

async function waitForStates(dataarts: DataArtsClient, w: { pending: { name: string; type: string }[]; results: Map<string, SchedulingResult> }, options: SchedulingOptions): Promise<void> {
  const { action } = options;
  const deadline = options.now() + options.timeoutMs;
  const delays = backoff(100, 2000);
  const unread = new Map<string, string>();
  let waiting = w.pending;
  while (waiting.length > 0) {
    const reads = await Promise.all(waiting.map((j) => currentStatus(dataarts, j).then((status) => ({ status }), (err: unknown) => ({ error: (err as Error).message }))));
    const still: typeof waiting = [];
    waiting.forEach((job, i) => {
      const read = reads[i]!;
      const result = w.results.get(job.name)!;
      if ('error' in read) {
        unread.set(job.name, read.error);
        still.push(job);
        return;
      }
      unread.delete(job.name);
      result.status = read.status ?? null;
      if (read.status === undefined) Object.assign(result, { result: 'failed', message: 'the job is no longer in the workspace' });
      else if (reached(action, read.status)) result.result = action === 'start' ? 'started' : 'stopped';
      else if (action === 'start' && START_FAILED.has(read.status)) Object.assign(result, { result: 'failed', message: `started, but the service reports ${read.status}` });
      else still.push(job);
    });
    waiting = still;
    if (waiting.length === 0) return;
    const remaining = deadline - options.now();
    if (remaining <= 0) {
      for (const job of waiting) {
        const why = unread.has(job.name) ? `its status could not be read (${unread.get(job.name)})` : `still ${w.results.get(job.name)!.status} after ${Math.round(options.timeoutMs / 1000)} s (--timeout)`;
        Object.assign(w.results.get(job.name)!, { result: 'failed', message: why });
      }
      return;
    }
    await sleep(Math.min(delays.next(), remaining), options.signal);
  }
}
