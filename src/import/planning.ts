/**
 * Planning a run against the workspace, before anything is uploaded: what happens to each job,
 * what the environment map rebinds, and the rewritten parts to stage. Every reason to refuse is
 * collected in `refusals`; nothing here changes the service.
 */
import type { Refusal } from '../errors.js';
import { ApiError } from '../api/errors.js';
import { listAllJobsShowingProgress } from '../api/listing.js';
import { planReferences, resolveEnvironmentMap, type ReferencePlan } from '../refs/index.js';
import { block, blockedJobs, planImport } from './plan.js';
import { lockProblemOf, reportsLockState } from './locks.js';
import { packSourceOf } from '../rewrite/pack-source.js';
import { prepareParts } from './prepare.js';
import type { ImportRun, RunPlan } from './run.js';

export async function planRun(run: ImportRun): Promise<RunPlan> {
  const { dataarts } = run.session;
  const { settings, model } = run;
  const existing = await listAllJobsShowingProgress(run.ctx, dataarts);
  const listed = new Set(existing.map((j) => j.name));
  const locks = lockChecker(run, settings.policy === 'OVERWRITE' ? model.jobs.filter((j) => listed.has(j.name)).length : 0);
  const jobs = await planImport(
    {
      jobs: model.jobs,
      archiveScripts: new Set(model.scripts.map((s) => s.name)),
      existing: existing.map((j) => ({ name: j.name, jobType: j.jobType, status: j.status })),
      policy: settings.policy,
      stopRunning: settings.stopRunning,
    },
    {
      lockProblem: locks.check,
      scriptExists: async (name) => (await dataarts.getScript(name)) !== undefined,
    },
  ).finally(locks.finish);
  const refs = await referencePlan(run);
  for (const problem of refs.blocked) {
    const job = jobs.find((p) => p.name === problem.subject);
    // A problem inside a script blocks the jobs that run it (refs reports those too); on its own it
    // still refuses the import, under the script's name.
    if (job) block(job, problem.reason);
  }
  const scriptProblems: Refusal[] = refs.blocked.filter((p) => !jobs.some((j) => j.name === p.subject));

  // Rewrite and repack locally (temp files only); a job too big for one import blocks too.
  const prepared = await prepareParts(packSourceOf(model), { timeZone: settings.timeZone, rewriteEntry: refs.rewriteEntry }, run.workDir);
  for (const over of prepared.oversize) {
    const job = jobs.find((p) => p.name === over.subject);
    if (job) block(job, over.reason);
    else scriptProblems.push(over);
  }
  if (settings.timeZone !== undefined) {
    run.ctx.ui.info(`expressionTimeZone set to ${settings.timeZone} in ${prepared.timeZoneChanges} place${prepared.timeZoneChanges === 1 ? '' : 's'} of the staged copy`);
  }
  const refusals = [...blockedJobs(jobs).map((p) => ({ subject: p.name, reason: p.reason ?? 'blocked' })), ...scriptProblems];
  return { jobs, refs, prepared, refusals, existing };
}

/** The environment map's plan (blocked references, rewrites and `resources`). */
async function referencePlan(run: ImportRun): Promise<ReferencePlan> {
  const { session, settings, model } = run;
  const map = resolveEnvironmentMap(session.config, settings.env, settings.map);
  let connections: { name: string; type?: string }[] | undefined;
  try {
    connections = await session.dataarts.listConnections();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    // The service would not list them: say so, and leave connections unchecked rather than guess.
    run.ctx.ui.warn(`could not list the workspace's connections (${err.message}); connections are not checked`);
  }
  return planReferences({ model, map, connections });
}

/**
 * Lock look-ups at the speed of the list: the first overwritten job's details tell whether the
 * service reports lock state at all (no official model has it, reference §19). Only if it does are
 * the other jobs' details read (with progress); otherwise this is said once, and a lock refusal
 * comes per job from the import itself.
 */
function lockChecker(run: ImportRun, candidates: number): { check: (name: string) => Promise<string | undefined>; finish: () => Promise<void> } {
  const { dataarts } = run.session;
  let probe: Promise<boolean> | undefined;
  let checked = 0;
  let progress: Promise<{ update(done: number, total?: number): void; stop(line?: string): void }> | undefined;
  const finish = async () => {
    if (progress) (await progress).stop();
  };
  const check = async (name: string): Promise<string | undefined> => {
    if (!probe) {
      let first: string | undefined;
      probe = (async () => {
        const details = (await dataarts.getJob(name)) as Record<string, unknown> | undefined;
        first = lockProblemOf(details);
        const reports = reportsLockState(details);
        if (!reports) run.ctx.ui.info('The service reports no lock state in job details: locks are not checked before upload; a job locked by another user fails in the import, with the service\'s reason.');
        return reports;
      })();
      await probe;
      return first;
    }
    if (!(await probe)) return undefined;
    progress ??= run.ctx.ui.progress('Checking locks');
    const p = await progress;
    const problem = lockProblemOf((await dataarts.getJob(name)) as Record<string, unknown> | undefined);
    // The first job was read by the probe.
    p.update(++checked + 1, candidates);
    return problem;
  };
  return { check, finish };
}
