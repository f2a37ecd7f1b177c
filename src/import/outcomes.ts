/**
 * Per-job outcomes of a finished import task, with `unknown` where the task does not say.
 *
 * Pure: takes a task already normalised by the client (src/api/dataarts.ts normalizeSystemTask:
 * `subtasks`/`subTasks`, times as numbers) and the plan. Subtasks are matched to jobs by name,
 * in either form the service may use: the reference's example "Import the {job} job." or the
 * plain job name (neither is documented as the rule, reference §19).
 *
 * - a subtask whose message starts with an outcome word (`created:` …, inferred) → that outcome;
 * - a FAILED subtask (or one still RUNNING in a finished task) → failed, with its message;
 * - a SUCCESSFUL subtask without an outcome word → what the plan expected (skip/overwrite/create);
 * - **no subtask for the job → `unknown`**: the task does not tell, so the caller decides from a
 *   read-back of the job (the releases issue), never from the task's overall status.
 */
import { importSubtaskOutcome } from '../api/service-inferred.js';
import type { PlannedJob } from './job-actions.js';
import { subtaskJobName, type JobOutcome } from './task.js';

export type TaskJobResult = 'created' | 'overwritten' | 'skipped' | 'failed' | 'unknown';

export interface TaskSubtask {
  name: string;
  status: string;
  message?: string;
}

export interface NormalisedTask {
  status: string;
  message?: string;
  subtasks: TaskSubtask[];
}

export interface TaskJobOutcome {
  name: string;
  result: TaskJobResult;
  message: string;
}

const FINAL = new Set(['SUCCESSFUL', 'FAILED', 'WARNING']);

/** The job a subtask is about, given the names that can be meant. */
export function subtaskJob(subtaskName: string, jobs: ReadonlySet<string>): string | undefined {
  const read = subtaskJobName(subtaskName);
  if (read !== undefined && jobs.has(read)) return read;
  const name = subtaskName.trim();
  return jobs.has(name) ? name : undefined;
}

/**
 * What to report for a job the task does not tell about when nothing reads it back (--no-verify):
 * the task's own outcome (inferred). With the read-back check, verify.ts decides instead.
 */
export function untoldOutcome(task: NormalisedTask, planned: Pick<PlannedJob, 'name' | 'action'>): JobOutcome {
  if (task.status === 'FAILED') return { name: planned.name, result: 'failed', message: (task.message ?? '').trim() || 'no result reported by the service' };
  const expected = planned.action === 'skip' ? 'skipped' : planned.action === 'overwrite' ? 'overwritten' : 'created';
  return { name: planned.name, result: expected, message: (task.message ?? '').trim() };
}

export function taskJobOutcomes(task: NormalisedTask, planned: Pick<PlannedJob, 'name' | 'action'>[]): TaskJobOutcome[] {
  const names = new Set(planned.map((p) => p.name));
  const byJob = new Map<string, TaskSubtask>();
  for (const sub of task.subtasks) {
    const job = subtaskJob(sub.name, names);
    if (job !== undefined) byJob.set(job, sub);
  }
  return planned.map((p): TaskJobOutcome => {
    const sub = byJob.get(p.name);
    if (!sub) return { name: p.name, result: 'unknown', message: 'the import task has no subtask for this job' };
    const message = (sub.message ?? '').trim();
    const said = importSubtaskOutcome(message);
    if (said === 'failed' || sub.status === 'FAILED' || (sub.status === 'RUNNING' && FINAL.has(task.status))) {
      return { name: p.name, result: 'failed', message: message || 'failed (the service gave no reason)' };
    }
    if (said) return { name: p.name, result: said, message };
    if (sub.status !== 'SUCCESSFUL') return { name: p.name, result: 'unknown', message: message || `subtask status ${sub.status}` };
    const expected = p.action === 'skip' ? 'skipped' : p.action === 'overwrite' ? 'overwritten' : 'created';
    return { name: p.name, result: expected, message };
  });
}
