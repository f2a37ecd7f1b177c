/**
 * Importing the prepared parts one after another (only one import runs per workspace at a time,
 * inferred): stage each in OBS, start its import, wait for its task, then remove (or keep) the
 * staged object and record per-job outcomes on the run.
 */
import { ServiceError } from '../errors.js';
import type { PreparedPart } from './prepare.js';
import { stageArchive, stagingKey, newRunId, type StagedObject } from './staging.js';
import type { SystemTaskView } from './task.js';
import { taskJobOutcomes, untoldOutcome } from './outcomes.js';
import { startImport, taskLookupHint, TaskTimeoutError, waitWithProgress } from './start.js';
import type { ImportRun } from './run.js';
import { checkStagedReading } from './staging-check.js';

export type PartsDone = { kind: 'finished' } | { kind: 'no-wait'; taskId: string; staged: StagedObject };

export async function importParts(run: ImportRun): Promise<PartsDone> {
  const runId = newRunId(run.ctx.deps.now());
  const parts = run.planned.prepared.parts;
  try {
    for (const part of parts) {
      const done = await importPart(run, part, runId);
      if (done.kind === 'no-wait') return done;
    }
  } catch (err) {
    // Never leave a half-done state unexplained: say what this run already changed.
    if (run.parts.length > 0) {
      run.ctx.ui.warn(`parts already imported before the failure: ${run.parts.map((r) => `part ${r.part} (task ${r.taskId}, ${r.status}: ${r.jobs.join(', ')})`).join('; ')}`);
    }
    throw err;
  }
  return { kind: 'finished' };
}

async function importPart(run: ImportRun, part: PreparedPart, runId: string): Promise<PartsDone> {
  const { ctx, settings } = run;
  const count = run.planned.prepared.parts.length;
  const staging = run.staging!;
  const label = count > 1 ? ` part ${part.index + 1}/${count}` : '';
  const key = stagingKey(staging, runId, { index: part.index, count });
  ctx.ui.info(`Staging${label} (${part.zipBytes} bytes) at obs://${staging.bucket}/${key}`);
  const staged = await stageArchive(
    { obs: run.session.obs, remover: run.session.cleanupObs, cleanup: ctx.deps.cleanup },
    { location: staging, key, filePath: part.file },
  );
  run.staged.push(staged);

  await checkStagedReading(run, staged, part);
  // From the call on, these jobs may have changed on the service, whatever the answer says.
  for (const job of part.jobs) run.sent.add(job);
  const taskId = await startImport(run, staged, part);
  ctx.ui.info(`Import${label} started: task ${taskId}`);
  if (!settings.wait) {
    staged.keep();
    return { kind: 'no-wait', taskId, staged };
  }
  const task = await waitKeepingTrack(run, { taskId, label, staged });

  let removed = false;
  if (settings.keepStaged) {
    staged.keep();
    ctx.ui.info(`Staged archive kept (--keep-staged): ${staged.path}`);
  } else {
    removed = await staged.remove();
    if (!removed) ctx.ui.warn(`could not remove the staged archive ${staged.path}; remove it by hand`);
  }
  const partPlan = run.planned.jobs.filter((p) => part.jobs.includes(p.name));
  // (inferred) Subtasks are matched to jobs by name only; a job the task does not tell about is
  // decided by reading it back (verify.ts), not by the task's overall status.
  const view = { status: task.status, message: task.message, subtasks: task.subtasks ?? [] };
  for (const [i, outcome] of taskJobOutcomes(view, partPlan).entries()) {
    if (outcome.result !== 'unknown') {
      run.outcomes.push({ ...outcome, result: outcome.result });
      continue;
    }
    run.untold.add(outcome.name);
    run.outcomes.push(untoldOutcome(view, partPlan[i]!));
  }
  run.parts.push({ part: part.index + 1, taskId, status: task.status, jobs: part.jobs, staged: { path: staged.path, removed } });
  return { kind: 'finished' };
}

/**
 * From here on the import runs on the service whatever happens to this process: an interrupted or
 * timed-out wait still tells the user which task to look at, and keeps the staged object.
 */
async function waitKeepingTrack(run: ImportRun, t: { taskId: string; label: string; staged: StagedObject }): Promise<SystemTaskView> {
  const { ctx } = run;
  const onAbort = () => ctx.ui.warn(`interrupted while waiting: import task ${t.taskId} was already started and continues on the service (${taskLookupHint(t.taskId)})`);
  ctx.deps.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await waitWithProgress(run, t.taskId, t.label);
  } catch (err) {
    if (ctx.deps.signal.aborted) throw err;
    // The task is out of our sight but may still be reading the staged object: keep it.
    t.staged.keep();
    if (err instanceof TaskTimeoutError) throw err.withStaged(t.staged.path);
    throw new ServiceError(`lost track of import task ${t.taskId}: ${(err as Error).message}`, {
      hint: `${taskLookupHint(t.taskId)}. The staged archive ${t.staged.path} was left in place.`,
    });
  } finally {
    ctx.deps.signal.removeEventListener('abort', onAbort);
  }
}
