/**
 * The read-back check: once the import task has ended, export the imported jobs from the
 * workspace and compare each job and the scripts and resources it carried with what was staged
 * (after the environment-map and time-zone rewrites, and the import call's own parameters),
 * ignoring only the fields the service sets itself (SERVICE_SET_FIELDS). Per job `verified` or
 * `differs` with the paths. A job whose subtask the task did not tell is decided here: present and
 * as staged is a success, absent is a failure.
 */
import { readArchive } from '../archive/model.js';
import { compareJob, definitionsOf, type Definitions, type JobComparison } from '../compare/definitions.js';
import { definitionFingerprint } from '../compare/fingerprint.js';
import type { StagedPrint } from './staged-prints.js';
import type { PreparedPart } from './prepare.js';
import { namedFew } from '../output/bounded.js';
import { applyImportEffects, importEffectsOf } from './change-only.js';
import { clip } from '../compare/show-change.js';
import type { ReadAhead } from './read-ahead.js';
import { forEachWorkspaceBatch } from '../compare/read-workspace.js';
import { IMPORT_READ_LIMITS } from './limits.js';
import type { ImportRun, VerifyResult } from './run.js';
import type { JobOutcome } from './task.js';

const SUCCESS = new Set(['created', 'overwritten']);
/** Jobs named one per line before the rest are counted. */
const SHOWN = 10;

/** What one part staged, as the import call leaves it. */
async function partDefinitions(run: ImportRun, part: PreparedPart): Promise<Definitions> {
  return applyImportEffects(definitionsOf(await readArchive(part.file, IMPORT_READ_LIMITS)), importEffectsOf(run.settings, run.planned.refs.importResources));
}

/** The fingerprint of every staged job as the import call leaves it. */
export function stagedFingerprints(run: ImportRun): Map<string, string> {
  return new Map([...run.planned.stagedPrints].map(([name, p]) => [name, p.job]));
}

/** The outcomes as read back (untold jobs decided) and one check per imported job. */
export interface Verified {
  outcomes: JobOutcome[];
  verification: VerifyResult[];
}

/** One job read back: its comparison with what was staged, or undefined when it is not in the workspace. */
export type ReadBack = Map<string, JobComparison | undefined>;

/** True when the job read back has exactly the staged prints (under skip: the job alone). */
function matchesPrint(name: string, expected: StagedPrint | undefined, current: Definitions, companions: boolean): boolean {
  const job = current.jobs.get(name);
  if (!expected || !job || definitionFingerprint('job', job.json) !== expected.job) return false;
  if (!companions) return true;
  return expected.companions.every((c) => {
    const json = (c.kind === 'script' ? current.scripts : current.resources).get(c.name);
    return json !== undefined && definitionFingerprint(c.kind, json) === c.print;
  });
}

/** Keep what compareJob reads of one job read back (the job and the companions it was staged with). */
function keepForComparison(name: string, expected: StagedPrint | undefined, current: Definitions, kept: Definitions): void {
  kept.jobs.set(name, current.jobs.get(name)!);
  for (const c of expected?.companions ?? []) {
    const from = c.kind === 'script' ? current.scripts : current.resources;
    const json = from.get(c.name);
    if (json) (c.kind === 'script' ? kept.scripts : kept.resources).set(c.name, json);
  }
}

/**
 * Read back `names` (jobs of one part) and compare each with what that part staged. Each batch is
 * compared by fingerprints as it arrives and let go; only a job whose prints differ is kept, and
 * compared in full (with the paths that changed) against the part's staged definitions.
 */
export async function checkPartJobs(run: ImportRun, part: PreparedPart, names: string[], onRead?: (done: number) => void): Promise<ReadBack> {
  const prints = run.planned.stagedPrints;
  // Under SKIP a same-name script already in the workspace is kept, so only the job is checked.
  const companions = run.settings.policy === 'OVERWRITE';
  const found = new Map<string, JobComparison | undefined>();
  const differing: Definitions = { jobs: new Map(), scripts: new Map(), resources: new Map() };
  await forEachWorkspaceBatch(run.session.dataarts, { names, workDir: run.workDir }, (batch, current) => {
    for (const name of batch) {
      if (!current.jobs.has(name)) found.set(name, undefined);
      else if (matchesPrint(name, prints.get(name), current, companions)) found.set(name, { name, state: 'same', changes: [] });
      else keepForComparison(name, prints.get(name), current, differing);
    }
  }, onRead && ((done) => onRead(done)));
  if (differing.jobs.size > 0) {
    const expected = await partDefinitions(run, part);
    for (const name of differing.jobs.keys()) found.set(name, compareJob(name, expected, differing, { companions }));
  }
  return new Map(names.map((name) => [name, found.get(name)]));
}

export async function verifyImport(run: ImportRun, told: { outcomes: JobOutcome[]; untold: string[] }, readAhead?: ReadAhead): Promise<Verified> {
  const { ctx, session, settings } = run;
  const untold = new Set(told.untold);
  const outcomes = told.outcomes.map((o) => ({ ...o }));
  // A job the task did not tell about (no subtask of its name, or an outcome the task mapping
  // calls 'unknown') is decided by reading it back.
  const toCheck = outcomes.filter((o) => SUCCESS.has(o.result) || untold.has(o.name)).map((o) => o.name);
  if (!settings.verify) {
    if (untold.size > 0) ctx.ui.warn(`the import task did not report on ${namedFew([...untold])}; without the read-back check (--no-verify) their outcome is the task's`);
    return { outcomes, verification: [] };
  }
  if (toCheck.length === 0) return { outcomes, verification: [] };
  const progress = await ctx.ui.progress('Reading the imported jobs back');
  const read: ReadBack = new Map();
  try {
    // Parts read back while the next one imported (read-ahead.ts) are not read again.
    // The listing runs while the parts read ahead finish.
    const listing = session.dataarts.listAllJobs();
    listing.catch(() => undefined);
    if (readAhead) for (const [name, cmp] of await readAhead.collect()) read.set(name, cmp);
    const listed = new Set((await listing).map((j) => j.name));
    const wanted = new Set(toCheck.filter((n) => listed.has(n) && !read.has(n)));
    const total = wanted.size + read.size;
    progress.update(read.size, total);
    for (const part of run.planned.prepared.parts) {
      const names = part.jobs.filter((n) => wanted.has(n));
      if (names.length === 0) continue;
      const before = read.size;
      for (const [name, cmp] of await checkPartJobs(run, part, names, (done) => progress.update(before + done, total))) read.set(name, cmp);
    }
  } finally {
    progress.stop();
  }
  const results: VerifyResult[] = [];
  const byName = new Map(outcomes.map((o) => [o.name, o]));
  const planned = new Map(run.planned.jobs.map((p) => [p.name, p]));
  for (const name of toCheck) {
    const outcome = byName.get(name)!;
    const cmp = read.get(name);
    if (!cmp) {
      outcome.result = 'failed';
      outcome.message = untold.has(name) ? 'no subtask reported on this job and it is not in the workspace after the import' : `reported ${outcome.message || 'imported'}, but it is not in the workspace after the import`;
      continue;
    }
    results.push({ name, state: cmp.state === 'same' ? 'verified' : 'differs', changes: cmp.changes });
    if (untold.has(name)) {
      const plan = planned.get(name);
      outcome.result = plan?.action === 'overwrite' ? 'overwritten' : 'created';
      outcome.message = 'no subtask reported on this job; decided by reading it back';
    }
  }
  reportVerification(ctx.ui, results);
  return { outcomes, verification: results };
}

/** `Read back: N verified`, or one warning per job that differs. */
export function reportVerification(ui: { info(line: string): void; warn(line: string): void }, results: VerifyResult[]): void {
  const differs = results.filter((r) => r.state === 'differs');
  if (differs.length === 0) {
    if (results.length > 0) ui.info(`Read back: ${results.length} imported job${results.length === 1 ? '' : 's'} verified (as staged, apart from the fields the service sets itself)`);
    return;
  }
  // One bounded line per job for the first few, then a count (every path in --json).
  for (const d of differs.slice(0, SHOWN)) {
    ui.warn(clip(`${d.name} differs from what was staged: ${d.changes.slice(0, 5).map((c) => c.path).join(', ')}${d.changes.length > 5 ? ` and ${d.changes.length - 5} more` : ''}`));
  }
  if (differs.length > SHOWN) ui.warn(`and ${differs.length - SHOWN} more imported jobs differ from what was staged (all of them in --json)`);
}
