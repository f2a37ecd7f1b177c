/**
 * Importing the prepared parts one after another (only one import runs per workspace at a time,
 * inferred): stage each in OBS, start its import, wait for its task, then remove (or keep) the
 * staged object. Every step is recorded in the release journal before the next one starts:
 * the object's key before the upload, `sending` before the import call, the task id once it
 * answered, the outcomes once the task ended.
 *
 * Until its import call, a staged object belongs to the run's cleanup (a failure or an interrupt
 * removes it). From the call on it belongs to the journal: the service may be reading it, so only
 * the end of its task (here, or in `--resume`) removes it.
 */
import { ServiceError } from '../errors.js';
import type { PreparedPart } from './prepare.js';
import { stageArchive, stagingKey, newRunId, type StagedObject } from './staging.js';
import type { JobOutcome, SystemTaskView } from './task.js';
import { taskJobOutcomes, untoldOutcome } from './outcomes.js';
import { ImportRefused, startImport, TaskTimeoutError, waitWithProgress } from './import-call.js';
import type { ImportRun, PartResult } from './run.js';
import { checkStagedReading } from './staging-check.js';
import { resumeCommand, type ReleaseJournal } from './journal.js';
import type { ReadAhead } from './read-ahead.js';
import { checkPartJobs } from './verify.js';
import { namedFew } from '../output/bounded.js';

/** What the parts' tasks told: one part result, the per-job outcomes and the jobs no subtask told. */
export interface PartsImported {
  kind: 'finished';
  parts: PartResult[];
  outcomes: JobOutcome[];
  untold: string[];
}

export type PartsDone = PartsImported | { kind: 'no-wait'; taskId: string; stagedPath: string };

/** `readAhead`: where each finished part's imported jobs start being read back (all but the last part). */
export async function importParts(run: ImportRun, journal: ReleaseJournal, readAhead?: ReadAhead): Promise<PartsDone> {
  const runId = newRunId(run.ctx.deps.now());
  const done: PartsImported = { kind: 'finished', parts: [], outcomes: [], untold: [] };
  try {
    for (const part of run.planned.prepared.parts) {
      const result = await importPart(run, journal, { part, runId });
      if (result.kind === 'no-wait') return result;
      done.parts.push(result.part);
      done.outcomes.push(...result.outcomes);
      done.untold.push(...result.untold);
      // The read-back of this part overlaps the next part's import (distinct jobs).
      const imported = result.outcomes.filter((o) => o.result === 'created' || o.result === 'overwritten').map((o) => o.name);
      if (part !== run.planned.prepared.parts.at(-1) && imported.length > 0) readAhead?.start(() => checkPartJobs(run, part, imported));
    }
  } catch (err) {
    // Never leave a half-done state unexplained: say what this run already changed.
    if (done.parts.length > 0) {
      run.ctx.ui.warn(`parts already imported before the failure: ${done.parts.map((r) => `part ${r.part} (task ${r.taskId}, ${r.status}: ${namedFew(r.jobs, 3)})`).join('; ')}`);
    }
    throw err;
  }
  return done;
}

type PartDone = { kind: 'finished'; part: PartResult; outcomes: JobOutcome[]; untold: string[] } | { kind: 'no-wait'; taskId: string; stagedPath: string };

async function importPart(run: ImportRun, journal: ReleaseJournal, p: { part: PreparedPart; runId: string }): Promise<PartDone> {
  const { ctx, settings } = run;
  const { part } = p;
  const count = run.planned.prepared.parts.length;
  const staging = run.staging!;
  const label = count > 1 ? ` part ${part.index + 1}/${count}` : '';
  const key = stagingKey(staging, p.runId, { index: part.index, count });
  const number = part.index + 1;
  const stagedPath = `obs://${staging.bucket}/${key}`;
  // Recorded before the PUT: a process killed during it leaves a key that --resume removes.
  await journal.update((r) => void r.parts.push({ part: number, jobs: part.jobs, staged: stagedPath, stagedRemoved: false }));
  ctx.ui.info(`Staging${label} (${part.zipBytes} bytes) at ${stagedPath}`);
  const staged = await stageArchive(
    { obs: run.session.obs, remover: run.session.cleanupObs, cleanup: ctx.deps.cleanup },
    { location: staging, key, filePath: part.file },
  ).catch(async (err: unknown) => {
    await journal.update((r) => void Object.assign(r.parts.find((x) => x.part === number)!, { stagedRemoved: true }));
    throw err;
  });
  const taskId = await callImport(run, journal, { staged, part, number });
  ctx.ui.info(`Import${label} started: task ${taskId}`);
  if (!settings.wait) return { kind: 'no-wait', taskId, stagedPath };
  const task = await waitKeepingTrack(run, { taskId, label, stagedPath, journal });

  const removed = await removeAfterTask(run, { bucket: staging.bucket, key, stagedPath });
  // A set: a list lookup per planned job cost 25 million comparisons a part at 10,000 jobs.
  const inPart = new Set(part.jobs);
  const partPlan = run.planned.jobs.filter((x) => inPart.has(x.name));
  // (inferred) Subtasks are matched to jobs by name only; a job the task does not tell about is
  // decided by reading it back (verify.ts), not by the task's overall status.
  const view = { status: task.status, message: task.message, subtasks: task.subtasks ?? [] };
  const outcomes: JobOutcome[] = [];
  const untold: string[] = [];
  for (const [i, outcome] of taskJobOutcomes(view, partPlan).entries()) {
    if (outcome.result !== 'unknown') {
      outcomes.push({ ...outcome, result: outcome.result });
      continue;
    }
    untold.push(outcome.name);
    outcomes.push(untoldOutcome(view, partPlan[i]!));
  }
  await journal.update((r) => {
    Object.assign(r.parts.find((x) => x.part === number)!, { status: task.status, stagedRemoved: removed });
    r.outcomes.push(...outcomes);
    r.untold.push(...untold);
  });
  return { kind: 'finished', part: { part: number, taskId, status: task.status, jobs: part.jobs, staged: { path: stagedPath, removed } }, outcomes, untold };
}

/**
 * Check the staged reading, then make the one import call. Before the call fails or is refused,
 * the staged object is removed here (and the journal says so); once it is sent, it is kept.
 */
async function callImport(run: ImportRun, journal: ReleaseJournal, c: { staged: StagedObject; part: PreparedPart; number: number }): Promise<string> {
  const { staged, part, number } = c;
  const record = (fields: object) => journal.update((r) => void Object.assign(r.parts.find((x) => x.part === number)!, fields));
  try {
    await checkStagedReading(run, staged, part);
  } catch (err) {
    await staged.remove();
    await record({ stagedRemoved: true });
    throw err;
  }
  await record({ importCall: 'sending' });
  // From the call on the object belongs to the journal, not to the run's cleanup.
  staged.keep();
  const started = await startImport(run, staged, part).catch(async (err: unknown) => {
    if (err instanceof ImportRefused) {
      await record({ importCall: 'refused', stagedRemoved: await deleteQuietly(run, staged) });
      throw err.cause;
    }
    throw err;
  });
  await record({ importCall: 'started', taskId: started });
  return started;
}

async function deleteQuietly(run: ImportRun, staged: { bucket: string; key: string }): Promise<boolean> {
  try {
    await run.session.cleanupObs.deleteObject(staged.bucket, staged.key);
    return true;
  } catch {
    return false;
  }
}

/** After the task ended: remove the staged object unless --keep-staged; true when it is gone. */
async function removeAfterTask(run: ImportRun, s: { bucket: string; key: string; stagedPath: string }): Promise<boolean> {
  const { ctx, settings } = run;
  if (settings.keepStaged) {
    ctx.ui.info(`Staged archive kept (--keep-staged): ${s.stagedPath}`);
    return false;
  }
  const removed = await deleteQuietly(run, s);
  if (!removed) ctx.ui.warn(`could not remove the staged archive ${s.stagedPath}; remove it by hand`);
  return removed;
}

/**
 * From here on the import runs on the service whatever happens to this process: an interrupted or
 * timed-out wait says how to finish the release (`--resume`), and keeps the staged object.
 */
async function waitKeepingTrack(run: ImportRun, t: { taskId: string; label: string; stagedPath: string; journal: ReleaseJournal }): Promise<SystemTaskView> {
  const { ctx } = run;
  const finish = `finish the release with \`${resumeCommand(t.journal.path)}\``;
  try {
    return await waitWithProgress(run, t.taskId, t.label);
  } catch (err) {
    if (ctx.deps.signal.aborted) {
      ctx.ui.warn(`interrupted while waiting: import task ${t.taskId} was already started and continues on the service\n  the staged archive stays (the service may be reading it): ${t.stagedPath}\n  ${finish}`);
      throw err;
    }
    if (err instanceof TaskTimeoutError) throw err.withHint(`${finish}\n(it follows the task, reads back, starts again what it stopped and removes the staged archive)`);
    throw new ServiceError(`lost track of import task ${t.taskId}: ${(err as Error).message}`, {
      hint: `${finish}\n(the staged archive was left in place: ${t.stagedPath})`,
    });
  }
}
