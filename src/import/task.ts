/**
 * Waiting for the import's system task (reference §6) and turning its subtasks into one result
 * per job.
 */
import { backoff } from '../util/backoff.js';
import { sleep } from '../util/abort.js';
import type { PlannedJob } from './job-actions.js';
import { importSubtaskOutcome } from '../api/service-inferred.js';

export interface SubtaskView {
  name: string;
  status: string;
  message?: string;
}

export interface SystemTaskView {
  id: string;
  status: string;
  message?: string;
  subtasks?: SubtaskView[];
}

export interface TaskSource {
  getSystemTask(taskId: string): Promise<SystemTaskView>;
}

/** The statuses after which a task no longer changes (reference §6; WARNING from API Explorer). */
export const FINAL_TASK_STATUSES = new Set(['SUCCESSFUL', 'FAILED', 'WARNING']);

export interface WaitOptions {
  timeoutMs: number;
  signal: AbortSignal;
  now: () => number;
  /** Called after every poll, for progress on stderr. */
  onPoll?: (task: SystemTaskView) => void;
}

export type WaitOutcome = { kind: 'finished'; task: SystemTaskView } | { kind: 'timed-out'; task?: SystemTaskView };

/**
 * Poll at once, then with backoff (0.05 s, growing 1.5× a poll, to 1 s) until the task ends or
 * the timeout passes: a small import is reported as soon as it ends, and any import is seen to
 * end at most a second late (the next part is staged and started, or the read-back begins, that
 * much sooner: with up to 5 s between polls, a 10,000-job restore in 4 parts lost several seconds
 * a part), for one poll a second on a long task (the system-task limit is 10/s per user).
 */
export async function waitForTask(source: TaskSource, taskId: string, options: WaitOptions): Promise<WaitOutcome> {
  const deadline = options.now() + options.timeoutMs;
  const delays = backoff(50, 1000);
  let last: SystemTaskView | undefined;
  for (;;) {
    last = await source.getSystemTask(taskId);
    options.onPoll?.(last);
    if (FINAL_TASK_STATUSES.has(last.status)) return { kind: 'finished', task: last };
    const remaining = deadline - options.now();
    if (remaining <= 0) return { kind: 'timed-out', task: last };
    await sleep(Math.min(delays.next(), remaining), options.signal);
  }
}

/**
 * The job a subtask is about: the service names them "Import the {job} job." (reference §6 example;
 * mapping subtasks to jobs by that name is (inferred): subtasks carry no job field).
 */
const SUBTASK_NAME = /^Import the (.+) job\.?$/;

export function subtaskJobName(subtaskName: string): string | undefined {
  // A name without the example's wording is read as the plain job name (reference §19: the
  // subtask naming is documented nowhere); a name that is no planned job simply matches nothing.
  const name = subtaskName.trim();
  return SUBTASK_NAME.exec(name)?.[1] ?? (name === '' ? undefined : name);
}

/** `unchanged`: equal to the workspace's, so left out of the import (change-only overwrite). */
export type JobResult = 'created' | 'overwritten' | 'skipped' | 'unchanged' | 'failed';

export interface JobOutcome {
  name: string;
  result: JobResult;
  message: string;
}
