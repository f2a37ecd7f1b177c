/**
 * `dataarts jobs import ARCHIVE`: read and check the archive, plan against the workspace, refuse
 * before any upload when something is wrong, then stage in OBS, import (one call per part, never
 * repeated), wait for the system task and report one result per job. The steps live in
 * src/import/; this runner puts them in order and owns the run's temp files and staged objects.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandContext } from '../context.js';
import { ExitCode, PartialFailureError, RefusedError, ServiceError, UsageError, type Refusal } from '../errors.js';
import { printJson, printLines } from '../output/render.js';
import { count } from '../output/plural.js';
import { readArchive, type ArchiveModel } from '../archive/model.js';
import { normalizeTimeZone } from '../archive/timezone.js';
import { openSession, type Session } from '../api/session.js';
import { parseObsPath } from '../api/obs.js';
import { ApiError } from '../api/errors.js';
import { IMPORT_ALREADY_RUNNING_ERROR } from '../api/service-inferred.js';
import { planReferences, resolveEnvironmentMap, type ReferencePlan } from '../refs/index.js';
import { checkJobParamsAgainstArchive, parseJobParams, parseParams, type JobParams } from '../import/params.js';
import { IMPORT_READ_LIMITS } from '../import/limits.js';
import { block, blockedJobs, countActions, planImport, type PlannedJob, type SameNamePolicy } from '../import/plan.js';
import { lockProblemOf } from '../import/locks.js';
import { packSourceOf } from '../import/pack-source.js';
import { prepareParts, type PreparedPart } from '../import/prepare.js';
import { newRunId, stageArchive, stagingKey, type StagedObject, type StagingLocation } from '../import/staging.js';
import { stopAndWait } from '../import/stop.js';
import { jobOutcomes, waitForTask, type JobOutcome, type SystemTaskView } from '../import/task.js';
import { planDocument, planLines, resultDocument, resultLines, type PartResult, type PartSummary } from '../import/render.js';
import { listAllJobsShowingProgress } from '../api/listing.js';

export interface JobsImportOptions {
  archive: string;
  duplicatePolicy: 'skip' | 'overwrite';
  targetStatus?: 'saved' | 'submitted' | 'production';
  approver: string[];
  executeUser?: string;
  param: string[];
  jobParam: string[];
  expressionTimeZone?: string;
  obsPath?: string;
  stopRunning: boolean;
  dryRun: boolean;
  keepStaged: boolean;
  wait: boolean;
  timeout: number;
  env?: string;
  map: string[];
}

/** Everything checked from the flags alone, before any file or the network is touched. */
interface CheckedFlags {
  policy: SameNamePolicy;
  timeZone?: string;
  params?: Record<string, string>;
  jobParams?: JobParams[];
  obsPath?: StagingLocation;
}

function checkFlags(opts: JobsImportOptions): CheckedFlags {
  return {
    policy: opts.duplicatePolicy === 'overwrite' ? 'OVERWRITE' : 'SKIP',
    ...(opts.expressionTimeZone === undefined ? {} : { timeZone: normalizeTimeZone(opts.expressionTimeZone) }),
    params: parseParams(opts.param),
    jobParams: parseJobParams(opts.jobParam),
    ...(opts.obsPath === undefined ? {} : { obsPath: parseObsPath(opts.obsPath) }),
  };
}

export async function runJobsImport(ctx: CommandContext, opts: JobsImportOptions): Promise<number> {
  const flags = checkFlags(opts);
  // Read (in memory, hostile-safe) before anything is created on disk or asked of the service.
  const model = await readArchive(opts.archive, IMPORT_READ_LIMITS);
  checkJobParamsAgainstArchive(flags.jobParams, model.jobs.map((j) => j.name));
  ctx.ui.debug(`archive ${opts.archive}: ${model.layout} layout, ${count(model.jobs.length, 'job')}, ${count(model.scripts.length, 'script')}, ${count(model.resources.length, 'resource')}, ${model.unpackedBytes} bytes unpacked`);
  // TMPDIR from the run's environment (the process's in real use), so a caller can place temp files.
  const workDir = await mkdtemp(join(ctx.deps.env.TMPDIR || tmpdir(), 'dataarts-import-work-'));
  const releaseWorkDir = ctx.deps.cleanup.add(() => rm(workDir, { recursive: true, force: true }));
  try {
    const session = await openSession(ctx);
    const staged: StagedObject[] = [];
    try {
      return await importWithSession(ctx, opts, flags, model, session, workDir, staged);
    } catch (err) {
      // Undo while the session is still open (run()'s cleanup would come after close()); kept
      // objects (--no-wait, unknown outcome, timeout) are left alone by remove().
      await Promise.all(staged.map((s) => s.remove()));
      throw err;
    } finally {
      await session.close();
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
    releaseWorkDir();
  }
}

async function importWithSession(
  ctx: CommandContext,
  opts: JobsImportOptions,
  flags: CheckedFlags,
  model: ArchiveModel,
  session: Session,
  workDir: string,
  staged: StagedObject[],
): Promise<number> {
  const { dataarts } = session;
  const workspace = session.config.workspace;
  const staging = flags.obsPath ?? (session.config.obsStagingPath ? parseObsPath(session.config.obsStagingPath) : undefined);
  if (!staging && !opts.dryRun) {
    throw new UsageError('no OBS location to stage the archive in', {
      hint: 'Give --obs-path obs://BUCKET/PREFIX/ or set obsStagingPath in the profile of the config file.',
    });
  }

  // Plan against the workspace.
  const existing = await listAllJobsShowingProgress(ctx, dataarts);
  // Overwriting reads each same-name job's details (locks) at a paced rate: minutes for thousands.
  const existingNames = new Set(existing.map((j) => j.name));
  const toCheck = flags.policy === 'SKIP' ? 0 : model.jobs.filter((j) => existingNames.has(j.name)).length;
  const checking = await ctx.ui.progress('Checking the jobs to overwrite');
  let checked = 0;
  const plan = await planImport(
    {
      jobs: model.jobs,
      archiveScripts: new Set(model.scripts.map((s) => s.name)),
      existing: existing.map((j) => ({ name: j.name, jobType: j.jobType, status: j.status })),
      policy: flags.policy,
      stopRunning: opts.stopRunning,
    },
    {
      lockProblem: async (name) => {
        const problem = lockProblemOf((await dataarts.getJob(name)) as Record<string, unknown> | undefined);
        checking.update(++checked, toCheck);
        return problem;
      },
      scriptExists: async (name) => (await dataarts.getScript(name)) !== undefined,
    },
  ).finally(() => checking.stop());
  const refs = await referencePlan(ctx, opts, model, session);
  for (const problem of refs.blocked) {
    const job = plan.find((p) => p.name === problem.subject);
    // A problem inside a script blocks the jobs that run it (refs reports those too); on its own it
    // still refuses the import, under the script's name.
    if (job) block(job, problem.reason);
  }
  const scriptProblems: Refusal[] = refs.blocked.filter((p) => !plan.some((j) => j.name === p.subject));

  // Rewrite and repack locally (temp files only); a job too big for one import blocks too.
  const prepared = await prepareParts(packSourceOf(model), { timeZone: flags.timeZone, rewriteEntry: refs.rewriteEntry }, workDir);
  for (const over of prepared.oversize) {
    const job = plan.find((p) => p.name === over.subject);
    if (job) block(job, over.reason);
    else scriptProblems.push(over);
  }
  if (flags.timeZone !== undefined) ctx.ui.info(`expressionTimeZone set to ${flags.timeZone} in ${prepared.timeZoneChanges} place${prepared.timeZoneChanges === 1 ? '' : 's'} of the staged copy`);
  const parts: PartSummary[] = prepared.parts.map((p) => ({ part: p.index + 1, jobs: p.jobs, zipBytes: p.zipBytes, unpackedBytes: p.unpackedBytes }));
  const refusals: Refusal[] = [...blockedJobs(plan).map((p) => ({ subject: p.name, reason: p.reason ?? 'blocked' })), ...scriptProblems];

  if (opts.dryRun) return printDryRun(ctx, opts, flags.policy, workspace, plan, parts, refs, staging, refusals);

  if (refusals.length > 0) {
    throw new RefusedError(
      `import refused before upload: ${refusals.map((r) => `${r.subject} (${r.reason})`).join('; ')}`,
      refusals,
      { hint: 'Nothing was uploaded or changed. Run with --dry-run to see the whole plan.' },
    );
  }
  if (!opts.wait && prepared.parts.length > 1) {
    // (inferred) Only one import runs per workspace at a time, so the parts must be imported one
    // after another: that needs waiting.
    throw new RefusedError(
      `the archive needs ${prepared.parts.length} imports (over the 10 MB limit of one import), imported one after another; --no-wait cannot do that`,
      [{ subject: opts.archive, reason: `needs ${count(prepared.parts.length, 'part')}` }],
      { hint: 'Run without --no-wait, or split the archive yourself (e.g. export fewer jobs per archive).' },
    );
  }
  logPlan(ctx, plan, prepared.parts.length);

  const stopped = await stopRunningJobs(ctx, opts, session, plan);

  const runId = newRunId(ctx.deps.now());
  const results: PartResult[] = [];
  const outcomes: JobOutcome[] = [];
  try {
    for (const part of prepared.parts) {
      const key = stagingKey(staging!, runId, { index: part.index, count: prepared.parts.length });
      const partPlan = plan.filter((p) => part.jobs.includes(p.name));
      const done = await importPart(ctx, opts, flags, session, refs, staging!, key, part, prepared.parts.length, partPlan, staged);
      if (done.kind === 'no-wait') return await printNoWait(ctx, workspace, done.taskId, done.staged, stopped);
      results.push(done.result);
      outcomes.push(...done.outcomes);
    }
  } catch (err) {
    // Never leave a half-done state unexplained: say what this run already changed.
    if (stopped.length > 0) ctx.ui.warn(`these jobs were stopped by --stop-running and stay stopped: ${stopped.join(', ')}`);
    if (results.length > 0) {
      ctx.ui.warn(`parts already imported before the failure: ${results.map((r) => `part ${r.part} (task ${r.taskId}, ${r.status}: ${r.jobs.join(', ')})`).join('; ')}`);
    }
    throw err;
  }
  return printResult(ctx, workspace, results, outcomes, stopped);
}

/** The environment map's plan (issue 6): blocked references, rewrites and `resources`. */
async function referencePlan(ctx: CommandContext, opts: JobsImportOptions, model: ArchiveModel, session: Session): Promise<ReferencePlan> {
  const map = resolveEnvironmentMap(session.config, opts.env, opts.map);
  let connections: { name: string; type?: string }[] | undefined;
  try {
    connections = await session.dataarts.listConnections();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    // The service would not list them: say so, and leave connections unchecked rather than guess.
    ctx.ui.warn(`could not list the workspace's connections (${err.message}); connections are not checked`);
  }
  return planReferences({ model, map, connections });
}

function logPlan(ctx: CommandContext, plan: PlannedJob[], partCount: number): void {
  const c = countActions(plan);
  ctx.ui.info(`Plan: ${c.create} to create, ${c.overwrite} to overwrite, ${c.skip} to skip${partCount > 1 ? `, in ${partCount} parts (each within the 10 MB limit)` : ''}`);
}

async function stopRunningJobs(ctx: CommandContext, opts: JobsImportOptions, session: Session, plan: PlannedJob[]): Promise<string[]> {
  const toStop = plan.filter((p) => p.stopFirst).map((p) => ({ name: p.name, type: p.type }));
  if (toStop.length === 0) return [];
  ctx.ui.info(`Stopping ${toStop.length} running job${toStop.length === 1 ? '' : 's'} that the import overwrites: ${toStop.map((j) => j.name).join(', ')}`);
  const onAbort = () => ctx.ui.warn(`interrupted while stopping jobs: some of ${toStop.map((j) => j.name).join(', ')} may now be stopped; nothing was imported`);
  ctx.deps.signal.addEventListener('abort', onAbort, { once: true });
  const stopped = await stopAndWait(
    toStop,
    {
      stopJob: (name) => session.dataarts.stopJob(name),
      currentStatus: async (name, jobType) => {
        const listed = await session.dataarts.listJobs(jobType === 'REAL_TIME' ? 'REAL_TIME' : 'BATCH', { jobName: name });
        return listed.find((j) => j.name === name)?.status;
      },
    },
    { timeoutMs: opts.timeout * 1000, signal: ctx.deps.signal, now: () => ctx.deps.now().getTime() },
  ).finally(() => ctx.deps.signal.removeEventListener('abort', onAbort));
  ctx.ui.info(`Stopped: ${stopped.join(', ')}`);
  return stopped;
}

type PartDone =
  | { kind: 'finished'; result: PartResult; outcomes: JobOutcome[] }
  | { kind: 'no-wait'; taskId: string; staged: StagedObject };

async function importPart(
  ctx: CommandContext,
  opts: JobsImportOptions,
  flags: CheckedFlags,
  session: Session,
  refs: ReferencePlan,
  staging: StagingLocation,
  key: string,
  part: PreparedPart,
  partCount: number,
  partPlan: PlannedJob[],
  stagedSoFar: StagedObject[],
): Promise<PartDone> {
  const label = partCount > 1 ? ` part ${part.index + 1}/${partCount}` : '';
  ctx.ui.info(`Staging${label} (${part.zipBytes} bytes) at obs://${staging.bucket}/${key}`);
  const staged = await stageArchive(session.obs, session.cleanupObs, staging, key, part.file, ctx.deps.cleanup);
  stagedSoFar.push(staged);

  const taskId = await startImport(ctx, opts, flags, session, refs, staged, part);
  ctx.ui.info(`Import${label} started: task ${taskId}`);
  if (!opts.wait) {
    staged.keep();
    return { kind: 'no-wait', taskId, staged };
  }

  // From here on the import runs on the service whatever happens to this process: make sure an
  // interrupted user still learns which task to look at.
  const onAbort = () => ctx.ui.warn(`interrupted while waiting: import task ${taskId} was already started and continues on the service (${taskLookupHint(taskId)})`);
  ctx.deps.signal.addEventListener('abort', onAbort, { once: true });
  let task: SystemTaskView;
  try {
    task = await waitWithProgress(ctx, opts, session, taskId, label);
  } catch (err) {
    if (ctx.deps.signal.aborted) throw err;
    // The task is out of our sight but may still be reading the staged object: keep it.
    staged.keep();
    if (err instanceof TaskTimeoutError) throw err.withStaged(staged.path);
    throw new ServiceError(`lost track of import task ${taskId}: ${(err as Error).message}`, {
      hint: `${taskLookupHint(taskId)}. The staged archive ${staged.path} was left in place.`,
    });
  } finally {
    ctx.deps.signal.removeEventListener('abort', onAbort);
  }

  let removed = false;
  if (opts.keepStaged) {
    staged.keep();
    ctx.ui.info(`Staged archive kept (--keep-staged): ${staged.path}`);
  } else {
    removed = await staged.remove();
    if (!removed) ctx.ui.warn(`could not remove the staged archive ${staged.path}; remove it by hand`);
  }
  const outcomes = jobOutcomes(task, partPlan);
  return {
    kind: 'finished',
    outcomes,
    result: { part: part.index + 1, taskId, status: task.status, jobs: part.jobs, staged: { path: staged.path, removed } },
  };
}

/** The one import call. Never repeated: a second call could start a second import. */
async function startImport(
  ctx: CommandContext,
  opts: JobsImportOptions,
  flags: CheckedFlags,
  session: Session,
  refs: ReferencePlan,
  staged: StagedObject,
  part: PreparedPart,
): Promise<string> {
  const inPart = new Set(part.jobs);
  const jobsParam = flags.jobParams?.filter((p) => inPart.has(p.name));
  const body = {
    path: staged.path,
    sameNamePolicy: flags.policy,
    ...(flags.params ? { params: flags.params } : {}),
    ...(jobsParam && jobsParam.length > 0 ? { jobsParam } : {}),
    ...(opts.executeUser !== undefined ? { executeUser: opts.executeUser } : {}),
    ...(opts.targetStatus !== undefined ? { targetStatus: opts.targetStatus.toUpperCase() as 'SAVED' | 'SUBMITTED' | 'PRODUCTION' } : {}),
    ...(opts.approver.length > 0 ? { approvers: opts.approver.map((approverName) => ({ approverName })) } : {}),
    ...(refs.importResources.length > 0 ? { resources: refs.importResources } : {}),
  };
  try {
    const { taskId } = await session.dataarts.importJobs(body);
    return taskId;
  } catch (err) {
    if (ctx.deps.signal.aborted) {
      ctx.ui.warn(`interrupted while the import call was in flight: the import may have started on the service; check the workspace (\`dataarts jobs list\`) or the console's import history before running again`);
      throw err;
    }
    if (err instanceof ApiError) {
      // The service answered "no": nothing started. Remove the staged object now.
      await staged.remove();
      if (err.errorCode === IMPORT_ALREADY_RUNNING_ERROR.errorCode) {
        throw new RefusedError(
          `another import is already running in the workspace; nothing was imported (${err.errorMsg ?? err.message})`,
          [{ subject: workspaceLabel(session), reason: 'an import task is already running' }],
          { hint: 'Wait for it to finish, then run the command again.' },
        );
      }
      throw err;
    }
    if (err instanceof ServiceError) {
      // Sent, but no answer we can trust: the import may or may not have started.
      staged.keep();
      throw new ServiceError(`the import call's outcome is unknown: ${err.message}`, {
        hint: `It was not repeated (a second call could start a second import). Check the workspace with \`dataarts jobs list\` or the console's import history before running again; the staged archive ${staged.path} was left in place.`,
      });
    }
    throw err;
  }
}

class TaskTimeoutError extends ServiceError {
  constructor(readonly taskId: string, readonly seconds: number, stagedPath?: string) {
    super(`import task ${taskId} is still running after ${seconds} s (--timeout); it continues on the service`, {
      hint: `${taskLookupHint(taskId)}.${stagedPath ? ` The staged archive ${stagedPath} was left in place.` : ''}`,
      details: { taskId },
    });
  }
  withStaged(path: string): TaskTimeoutError {
    return new TaskTimeoutError(this.taskId, this.seconds, path);
  }
}

function taskLookupHint(taskId: string): string {
  return `look it up later with GET /v1/{project_id}/system-tasks/${taskId} (task id ${taskId}) or in the console`;
}

function workspaceLabel(session: Session): string {
  return session.config.workspace ? `workspace ${session.config.workspace}` : 'default workspace';
}

async function waitWithProgress(ctx: CommandContext, opts: JobsImportOptions, session: Session, taskId: string, label: string): Promise<SystemTaskView> {
  const progress = await ctx.ui.progress(`Importing${label}`);
  try {
    const outcome = await waitForTask(session.dataarts, taskId, {
      timeoutMs: opts.timeout * 1000,
      signal: ctx.deps.signal,
      now: () => ctx.deps.now().getTime(),
      onPoll: (task) => {
        const subtasks = task.subtasks ?? [];
        progress.update(subtasks.filter((s) => s.status !== 'RUNNING').length, subtasks.length || undefined, task.status);
      },
    });
    if (outcome.kind === 'timed-out') throw new TaskTimeoutError(taskId, opts.timeout);
    progress.stop(`Import${label} ${outcome.task.status.toLowerCase()}`);
    return outcome.task;
  } catch (err) {
    progress.stop();
    throw err;
  }
}

async function printDryRun(
  ctx: CommandContext,
  opts: JobsImportOptions,
  policy: SameNamePolicy,
  workspace: string | undefined,
  plan: PlannedJob[],
  parts: PartSummary[],
  refs: ReferencePlan,
  staging: StagingLocation | undefined,
  refusals: Refusal[],
): Promise<number> {
  const doc = planDocument(workspace, policy, plan, parts, refs, staging ? `obs://${staging.bucket}/${staging.prefix}` : undefined);
  if (ctx.globals.json) await printJson(ctx.deps.io.stdout, { ...doc, refusals });
  else await printLines(ctx.deps.io.stdout, planLines(doc));
  if (!staging) ctx.ui.warn('no OBS staging location: a real import needs --obs-path obs://BUCKET/PREFIX/ or obsStagingPath in the profile');
  if (parts.length > 1) ctx.ui.info(`The archive would be imported in ${parts.length} parts, one after another${opts.wait ? '' : ' (not possible with --no-wait)'}.`);
  if (refusals.length === 0) {
    ctx.ui.info('Dry run: nothing was uploaded or changed.');
    return ExitCode.OK;
  }
  const message = `the import would be refused: ${refusals.map((r) => `${r.subject} (${r.reason})`).join('; ')}`;
  throw new RefusedError(message, refusals, { hint: 'Dry run: nothing was uploaded or changed.' });
}

async function printNoWait(ctx: CommandContext, workspace: string | undefined, taskId: string, staged: StagedObject, stopped: string[]): Promise<number> {
  ctx.ui.info(`Not waiting (--no-wait). The staged archive ${staged.path} stays in OBS: remove it once task ${taskId} has ended.`);
  if (ctx.globals.json) {
    await printJson(ctx.deps.io.stdout, { workspace: workspace ?? null, taskId, status: 'RUNNING', stopped, staged: { path: staged.path, removed: false } });
  } else {
    await printLines(ctx.deps.io.stdout, [taskId]);
  }
  return ExitCode.OK;
}

async function printResult(ctx: CommandContext, workspace: string | undefined, parts: PartResult[], outcomes: JobOutcome[], stopped: string[]): Promise<number> {
  if (ctx.globals.json) await printJson(ctx.deps.io.stdout, resultDocument(workspace, parts, outcomes, stopped));
  else await printLines(ctx.deps.io.stdout, resultLines(outcomes));
  const failed = outcomes.filter((o) => o.result === 'failed');
  if (failed.length === 0) return ExitCode.OK;
  const message = `${failed.length} of ${outcomes.length} job${outcomes.length === 1 ? '' : 's'} failed to import: ${failed.map((f) => `${f.name} (${f.message})`).join('; ')}`;
  throw new PartialFailureError(message, { failed });
}
