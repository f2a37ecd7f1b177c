/**
 * Planning a run against the workspace, before anything is uploaded: what happens to each job,
 * what the environment map rebinds, and the rewritten parts to stage. Every reason to refuse is
 * collected in `refusals`; nothing here changes the service.
 */
import type { Refusal } from '../errors.js';
import type { CommandContext } from '../context.js';
import type { DataArtsClient, JobSummary } from '../api/dataarts.js';
import { ApiError } from '../api/errors.js';
import { listAllJobsShowingProgress } from '../api/listing.js';
import { planReferences, resolveEnvironmentMap, type ReferencePlan } from '../refs/index.js';
import { block, blockedJobs, planImport, type PlannedJob } from './job-actions.js';
import { lockProblemOf, reportsLockState } from './locks.js';
import { packSourceOf } from '../rewrite/pack-source.js';
import { rewriteEntries, type PackSource } from '../rewrite/entries.js';
import { importEffectsOf, readForComparison, wantedDefinitions, type Comparison } from './change-only.js';
import type { Definitions } from '../compare/definitions.js';
import { prepareParts } from './prepare.js';
import { stagedPrintsOf, type StagedPrint } from './staged-prints.js';
import type { ImportRun, ImportPlan } from './run.js';

/**
 * The workspace listed and its versions of `names` exported for comparison (reads only), started
 * before planning: from the first list page on, and by the runner while the archive's entries are
 * still being checked when its central directory already named its jobs.
 */
export interface WorkspaceRead {
  existing: Promise<JobSummary[]>;
  reading: ReturnType<typeof readForComparison>;
  /** No further page or export is asked for; resolves once the listing has stopped. */
  abandon(): Promise<void>;
}

export function startWorkspaceRead(env: { ctx: CommandContext; dataarts: DataArtsClient; workDir: string }, names: Set<string>): WorkspaceRead {
  const reading = readForComparison({ ctx: env.ctx, client: env.dataarts, workDir: env.workDir });
  let abandoned = false;
  const existing = listAllJobsShowingProgress(env.ctx, env.dataarts, (page) => {
    // Thrown into the listing: it asks for no further page.
    if (abandoned) throw new Error('workspace listing abandoned');
    for (const j of page) if (names.has(j.name)) reading.add(j.name);
  });
  existing.catch(() => reading.abandon());
  return {
    existing,
    reading,
    abandon: async () => {
      abandoned = true;
      reading.abandon();
      await existing.catch(() => undefined);
    },
  };
}

export async function planAgainstWorkspace(run: ImportRun, early?: WorkspaceRead): Promise<ImportPlan> {
  const { dataarts } = run.session;
  const { settings, model } = run;
  // The workspace's versions of same-name jobs are exported from the first list page on, while
  // the rest is listed and the archive rewritten and parsed.
  const inArchive = new Set(model.jobs.map((j) => j.name));
  const { reading, existing: listing } = early ?? startWorkspaceRead({ ctx: run.ctx, dataarts, workDir: run.workDir }, inArchive);
  const existing = await listing;
  const listed = new Set(existing.map((j) => j.name));
  // Every listed job of the archive, whichever names the read was started with.
  for (const name of listed) if (inArchive.has(name)) reading.add(name);
  const refs = await referencePlan(run).catch((err: unknown) => {
    reading.abandon();
    throw err;
  });
  // Rewrite every entry once: what is compared is exactly what would be staged.
  const source = packSourceOf(model);
  const { data, timeZoneChanges } = rewriteEntries(source, { timeZone: settings.timeZone, rewriteEntry: refs.rewriteEntry });
  const comparisons = await reading.compareWith(await wantedOf(run, { source, data, listed, refs }));
  const unchanged = settings.policy === 'OVERWRITE' && !settings.includeUnchanged
    ? new Set([...comparisons].filter(([, c]) => c.changes.length === 0).map(([name]) => name))
    : new Set<string>();
  const locks = lockChecker(run, settings.policy === 'OVERWRITE' ? model.jobs.filter((j) => listed.has(j.name) && !unchanged.has(j.name)).length : 0);
  const jobs = await planImport(
    {
      jobs: model.jobs,
      archiveScripts: new Set(model.scripts.map((s) => s.name)),
      existing: existing.map((j) => ({ name: j.name, jobType: j.jobType, status: j.status })),
      policy: settings.policy,
      stopRunning: settings.stopRunning,
      unchanged,
    },
    {
      lockProblem: locks.check,
      scriptExists: async (name) => (await dataarts.getScript(name)) !== undefined,
    },
  ).finally(locks.finish);
  const byName = new Map(jobs.map((p) => [p.name, p]));
  for (const problem of refs.blocked) {
    const job = byName.get(problem.subject);
    // A problem inside a script blocks the jobs that run it (refs reports those too); on its own it
    // still refuses the import, under the script's name.
    if (job && job.action !== 'unchanged') block(job, problem.reason);
  }
  const scriptProblems: Refusal[] = refs.blocked.filter((p) => !byName.has(p.subject));

  // Repack locally (temp files only) what is to be staged; a job too big for one import blocks too.
  const prepared = await prepareParts(stagedSource(source, data, unchanged), {}, run.workDir);
  for (const over of prepared.oversize) {
    const job = byName.get(over.subject);
    if (job) block(job, over.reason);
    else scriptProblems.push(over);
  }
  if (settings.timeZone !== undefined) {
    run.ctx.ui.info(`expressionTimeZone set to ${settings.timeZone} in ${timeZoneChanges} place${timeZoneChanges === 1 ? '' : 's'} of the staged copy`);
  }
  warnSkippedThatDiffer(run, jobs, comparisons);
  const refusals = [...blockedJobs(jobs).map((p) => ({ subject: p.name, reason: p.reason ?? 'blocked' })), ...scriptProblems];
  // Fingerprints of what is staged, from the bytes just written (a dry run stages nothing).
  const stagedPrints = settings.dryRun
    ? new Map<string, StagedPrint>()
    : stagedPrintsOf(prepared.parts, { data, jobs: model.jobs, effects: importEffectsOf(settings, refs.importResources) });
  const { rewriteEntry: _rewriter, ...kept } = refs;
  return { jobs, refs: kept, prepared, refusals, existing, comparisons, stagedPrints };
}

/** What the same-name jobs would be once staged and imported (their entries only). */
function wantedOf(run: ImportRun, input: { source: PackSource; data: Map<string, Buffer>; listed: Set<string>; refs: Pick<ReferencePlan, 'importResources'> }): Promise<Definitions> {
  const { source, data, listed, refs } = input;
  const original = new Map(source.entries.map((e) => [e.name, e.data]));
  return wantedDefinitions(run.model, { names: listed, data, original, effects: importEffectsOf(run.settings, refs.importResources) });
}

/**
 * The entries to stage: every rewritten entry but those only `unchanged` jobs carry (a script an
 * unchanged job shares with a changed one is staged; it is equal to the workspace's anyway).
 */
function stagedSource(source: PackSource, data: Map<string, Buffer>, unchanged: Set<string>): PackSource {
  const jobs = source.jobs.filter((j) => !unchanged.has(j.name));
  const left = new Set<string>();
  for (const j of source.jobs) if (unchanged.has(j.name)) for (const e of [j.entry, ...j.companions]) left.add(e);
  for (const j of jobs) for (const e of [j.entry, ...j.companions]) left.delete(e);
  return { jobs, entries: [...data].filter(([name]) => !left.has(name)).map(([name, bytes]) => ({ name, data: bytes })) };
}

/** Under skip: the skipped jobs whose archive version differs from the workspace's, counted. */
function warnSkippedThatDiffer(run: ImportRun, jobs: PlannedJob[], comparisons: Map<string, Comparison>): void {
  const differ = jobs.filter((p) => p.action === 'skip' && (comparisons.get(p.name)?.changes.length ?? 0) > 0).map((p) => p.name);
  if (differ.length === 0) return;
  const n = differ.length;
  // The contract's wording; the names under --verbose (and per job in the dry run's plan).
  run.ctx.ui.warn(`${n} skipped job${n === 1 ? '' : 's'} differ${n === 1 ? 's' : ''} from the archive; --duplicate-policy overwrite would change ${n === 1 ? 'it' : 'them'}`);
  run.ctx.ui.debug(`skipped jobs that differ: ${differ.join(', ')}`);
}

/**
 * The environment map's plan (blocked references, rewrites and `resources`), without the
 * inventory of every reference it was made from: nothing of the import reads it, and at 10,000
 * jobs it is ~15 MB held through the rest of planning.
 */
async function referencePlan(run: ImportRun): Promise<Omit<ReferencePlan, 'references'>> {
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
  const { references: _inventory, ...plan } = await planReferences({ model, map, connections });
  return plan;
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
