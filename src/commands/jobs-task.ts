/**
 * `dataarts jobs task TASK_ID [--wait]`: an import task as `jobs import` reports it (contract
 * "jobs task"), for an import started with --no-wait or one whose polling timed out. Exit 0 when it
 * succeeded (or, without --wait, is still running), 5 when some jobs failed, 6 when it is still
 * running at the --timeout.
 */
import type { CommandContext } from '../context.js';
import { ExitCode, PartialFailureError, ServiceError } from '../errors.js';
import { importSubtaskOutcome } from '../api/service-inferred.js';
import { printJson, printLines } from '../output/render.js';
import { findJournalForTask, resumeCommand } from '../import/journal.js';
import { FINAL_TASK_STATUSES, subtaskJobName, waitForTask, type SystemTaskView } from '../import/task.js';

export interface JobsTaskOptions {
  taskId: string;
  wait: boolean;
  timeout: number;
}

interface TaskJob {
  name: string;
  result: string;
  message: string;
}

/** One line per job: the subtask's own outcome, else its status (pending while it runs). */
function taskJobs(task: SystemTaskView): TaskJob[] {
  return (task.subtasks ?? []).map((s) => {
    const message = (s.message ?? '').trim();
    const said = importSubtaskOutcome(message);
    const result = said ?? (s.status === 'FAILED' ? 'failed' : s.status === 'RUNNING' ? 'pending' : s.status === 'SUCCESSFUL' ? 'imported' : s.status.toLowerCase());
    return { name: subtaskJobName(s.name) ?? s.name, result, message: message.replace(/^(created|overwritten|skipped|failed):\s*/, '') };
  });
}

export async function runJobsTask(ctx: CommandContext, opts: JobsTaskOptions): Promise<number> {
  const { openSession } = await import('../api/session.js');
  const session = await openSession(ctx);
  let task: SystemTaskView;
  let timedOut = false;
  try {
    if (opts.wait) {
      const progress = await ctx.ui.progress(`Waiting for task ${opts.taskId}`);
      const outcome = await waitForTask(session.dataarts, opts.taskId, {
        timeoutMs: opts.timeout * 1000,
        signal: ctx.deps.signal,
        now: () => ctx.deps.now().getTime(),
        onPoll: (t) => progress.update((t.subtasks ?? []).filter((s) => s.status !== 'RUNNING').length, t.subtasks?.length || undefined, t.status),
      }).finally(() => progress.stop());
      timedOut = outcome.kind === 'timed-out';
      task = outcome.task ?? (await session.dataarts.getSystemTask(opts.taskId));
    } else {
      task = await session.dataarts.getSystemTask(opts.taskId);
    }
  } finally {
    await session.close();
  }
  const jobs = taskJobs(task);
  if (ctx.globals.json) await printJson(ctx.deps.io.stdout, { taskId: task.id ?? opts.taskId, status: task.status, message: task.message ?? null, jobs });
  else {
    const width = Math.max(0, ...jobs.map((j) => j.name.length));
    await printLines(ctx.deps.io.stdout, jobs.map((j) => `${j.name.padEnd(width)}  ${j.result.padEnd(11)}  ${j.message}`.trimEnd()));
  }
  ctx.ui.info(`task ${opts.taskId}: ${task.status}${task.message ? ` (${task.message})` : ''}`);
  // A release's task: only --resume also starts again what it stopped and removes its staged objects.
  const journal = await findJournalForTask(ctx.deps.cwd, opts.taskId);
  if (journal) ctx.ui.warn(`task ${opts.taskId} belongs to an unfinished release: \`${resumeCommand(journal)}\`\n  finishes it (reads back, starts again the jobs it stopped, removes its staged archive)`);
  if (timedOut) {
    throw new ServiceError(`task ${opts.taskId} is still running after ${opts.timeout} s (--timeout)`, { hint: `Run \`dataarts jobs task ${opts.taskId} --wait\` again later.`, details: { taskId: opts.taskId } });
  }
  const failed = jobs.filter((j) => j.result === 'failed');
  if (failed.length > 0 || (task.status === 'FAILED' && FINAL_TASK_STATUSES.has(task.status))) {
    throw new PartialFailureError(`task ${opts.taskId} ${task.status.toLowerCase()}: ${failed.length} of ${jobs.length} jobs failed${failed.length > 0 ? `: ${failed.map((f) => `${f.name} (${f.message})`).join('; ')}` : ''}`, { failed });
  }
  return ExitCode.OK;
}
