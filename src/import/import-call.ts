/**
 * Starting an import task and following it: the one import call (never repeated), what its
 * failures mean (another import running → refused; no trustworthy answer → outcome unknown, the
 * staged object kept), and waiting for the task with progress and a timeout.
 */
import { RefusedError, ServiceError } from '../errors.js';
import { ApiError } from '../api/errors.js';
import { APPROVAL_REQUIRED_ERROR, IMPORT_ALREADY_RUNNING_ERROR } from '../api/service-inferred.js';
import type { ImportJobsRequest } from '../api/dataarts.js';
import type { PreparedPart } from './prepare.js';
import type { StagedObject } from './staging.js';
import { waitForTask, type SystemTaskView } from './task.js';
import type { ImportRun } from './run.js';

/** Where a user looks a task up once this process no longer follows it. */
export function taskLookupHint(taskId: string): string {
  return `look it up later with \`dataarts jobs task ${taskId} --wait\``;
}

/** The body of the import call for one part (only that part's per-job parameters). */
export function importRequest(run: ImportRun, staged: StagedObject, part: PreparedPart): ImportJobsRequest {
  const { settings } = run;
  const inPart = new Set(part.jobs);
  const jobsParam = settings.jobParams?.filter((p) => inPart.has(p.name));
  const resources = run.planned.refs.importResources;
  return {
    path: staged.path,
    sameNamePolicy: settings.policy,
    ...(settings.params ? { params: settings.params } : {}),
    ...(jobsParam && jobsParam.length > 0 ? { jobsParam } : {}),
    ...(settings.executeUser !== undefined ? { executeUser: settings.executeUser } : {}),
    ...(settings.targetStatus !== undefined ? { targetStatus: settings.targetStatus } : {}),
    ...(settings.approvers.length > 0 ? { approvers: settings.approvers.map((approverName) => ({ approverName })) } : {}),
    ...(resources.length > 0 ? { resources } : {}),
  };
}

/** The service answered "no" to the import call: nothing started; `cause` is the error to report. */
export class ImportRefused extends Error {
  constructor(override readonly cause: unknown) {
    super('import refused');
  }
}

/**
 * The one import call. Never repeated: a second call could start a second import. Throws
 * ImportRefused when the service said no (the caller removes the staged object); any other error
 * leaves the outcome unknown.
 */
export async function startImport(run: ImportRun, staged: StagedObject, part: PreparedPart): Promise<string> {
  const { ctx } = run;
  try {
    const { taskId } = await run.session.dataarts.importJobs(importRequest(run, staged, part));
    return taskId;
  } catch (err) {
    if (ctx.deps.signal.aborted) {
      ctx.ui.warn(`interrupted while the import call was in flight: the import may have started on the service; the staged archive ${staged.path} stays`);
      throw err;
    }
    const sorted = sortStartFailure(run, staged, err);
    throw err instanceof ApiError ? new ImportRefused(sorted) : sorted;
  }
}

/**
 * (inferred, reference §20 "Approval") The service's "approval required" answer: the code is not
 * documented (the emulator's is DLF.0802), so its wording counts too. Only the import call tells;
 * the dry run cannot know it before.
 */
function isApprovalRefusal(err: ApiError): boolean {
  return err.errorCode === APPROVAL_REQUIRED_ERROR.errorCode || /approv/i.test(err.errorMsg ?? err.message);
}

/** What a failed import call means, as the error to report. */
function sortStartFailure(run: ImportRun, staged: StagedObject, err: unknown): unknown {
  if (err instanceof ApiError) {
    // The service answered "no": nothing started (the caller removes the staged object).
    if (err.errorCode === IMPORT_ALREADY_RUNNING_ERROR.errorCode) {
      return new RefusedError(
        `another import is already running in the workspace; nothing was imported (${err.errorMsg ?? err.message})`,
        [{ subject: run.workspaceLabel, reason: 'an import task is already running' }],
        { hint: 'Wait for it to finish, then run the command again.' },
      );
    }
    if (isApprovalRefusal(err)) {
      const missing = [run.settings.targetStatus === undefined ? '--target-status' : '', run.settings.approvers.length === 0 ? '--approver' : ''].filter(Boolean);
      return new RefusedError(
        `the workspace requires approval: the import needs ${missing.length > 0 ? missing.join(' and ') : '--target-status and --approver'}; nothing was imported (${err.errorMsg ?? err.message})`,
        [{ subject: run.workspaceLabel, reason: 'job approval is on: targetStatus and approvers are required' }],
        { hint: 'Run again with --target-status saved|submitted|production and --approver NAME (repeatable); production needs a workspace administrator.' },
      );
    }
    return err;
  }
  if (err instanceof ServiceError) {
    // Sent, but no answer we can trust: the import may or may not have started.
    return new ServiceError(`the import call's outcome is unknown: ${err.message}`, {
      hint: `It was not repeated (a second call could start a second import). Check the workspace with \`dataarts jobs list\` or the console's import history before running again; the staged archive ${staged.path} was left in place.`,
    });
  }
  return err;
}

export class TaskTimeoutError extends ServiceError {
  constructor(readonly taskId: string, readonly seconds: number, hint?: string) {
    super(`import task ${taskId} is still running after ${seconds} s (--timeout); it continues on the service`, {
      hint: hint ?? `${taskLookupHint(taskId)}.`,
      details: { taskId },
    });
  }
  /** The same timeout with a hint that says how to finish (the journal's --resume). */
  withHint(hint: string): TaskTimeoutError {
    return new TaskTimeoutError(this.taskId, this.seconds, hint);
  }
}

/** Poll the task until it ends (progress on stderr); TaskTimeoutError after --timeout. */
export async function waitWithProgress(run: ImportRun, taskId: string, label: string): Promise<SystemTaskView> {
  const { ctx } = run;
  const progress = await ctx.ui.progress(`Importing${label}`);
  try {
    const outcome = await waitForTask(run.session.dataarts, taskId, {
      timeoutMs: run.settings.timeoutMs,
      signal: ctx.deps.signal,
      now: () => ctx.deps.now().getTime(),
      onPoll: (task) => {
        const subtasks = task.subtasks ?? [];
        progress.update(subtasks.filter((s) => s.status !== 'RUNNING').length, subtasks.length || undefined, task.status);
      },
    });
    if (outcome.kind === 'timed-out') throw new TaskTimeoutError(taskId, run.settings.timeoutMs / 1000);
    // The task's status only (never "successful": the per-job results and the read-back decide).
    const status = outcome.task.status === 'SUCCESSFUL' ? '' : ` (task status ${outcome.task.status})`;
    progress.stop(`Import${label}: the task has ended${status}; checking each job`);
    return outcome.task;
  } catch (err) {
    progress.stop();
    throw err;
  }
}
