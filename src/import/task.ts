/**
 * Waiting for the import's system task (reference §6) and turning its subtasks into one result
 * per job.
 */
import { backoff, sleep } from './backoff.js';
import type { PlannedJob } from './plan.js';
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

/** Poll with backoff (0.5 s → 5 s) until the task ends or the timeout passes. */
export async function waitForTask(source: TaskSource, taskId: string, options: WaitOptions): Promise<WaitOutcome> {
  const deadline = options.now() + options.timeoutMs;
  const delays = backoff();
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

export type JobResult = 'created' | 'overwritten' | 'skipped' | 'failed';

export interface JobOutcome {
  name: string;
  result: JobResult;
  message: string;
}

/**
 * One outcome per planned job. The subtask message's prefix (`created:`, `overwritten:`,
 * `skipped:`, `failed:`; src/api/service-inferred.ts, (inferred)) says what happened; without one,
 * a successful subtask is what the plan expected and a failed one carries the service's message.
 * A job without a subtask takes the task's own outcome (inferred).
 */
export function jobOutcomes(task: SystemTaskView, planned: PlannedJob[]): JobOutcome[] {
  const byJob = new Map<string, SubtaskView>();
  for (const sub of task.subtasks ?? []) {
    const job = subtaskJobName(sub.name);
    if (job !== undefined) byJob.set(job, sub);
  }
  return planned.map((p) => {
    const sub = byJob.get(p.name);
    const status = sub?.status ?? task.status;
    const message = (sub ? sub.message ?? '' : task.message ?? '').trim();
    const said = importSubtaskOutcome(message);
    if (said === 'failed' || status === 'FAILED' || (status === 'RUNNING' && FINAL_TASK_STATUSES.has(task.status))) {
      return { name: p.name, result: 'failed', message: message || (sub ? 'failed (the service gave no reason)' : 'no result reported by the service') };
    }
    if (said) return { name: p.name, result: said, message };
    if (p.action === 'skip') return { name: p.name, result: 'skipped', message };
    return { name: p.name, result: p.action === 'overwrite' ? 'overwritten' : 'created', message };
  });
}
