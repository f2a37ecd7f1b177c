/**
 * `dataarts jobs diff ARCHIVE [NAME...]`: what importing the archive would change in the
 * workspace, job by job (contract "jobs diff"). Reads the archive before any request, applies the
 * rewrites an import would make (--env, --map, --expression-time-zone), reads the workspace's
 * current definitions by batch export, and compares (src/compare/). Exit 0; with --exit-code 8
 * when any job is new or changed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CommandContext } from '../context.js';
import { DifferencesFoundError, ExitCode, UsageError } from '../errors.js';
import { readArchive } from '../archive/model.js';
import { normalizeTimeZone } from '../archive/timezone.js';
import { IMPORT_READ_LIMITS } from '../import/limits.js';
import { globMatcher } from '../util/glob.js';
import { listAllJobsShowingProgress } from '../api/listing.js';
import { printJson, printLines } from '../output/render.js';
import { diffArchive, diffLines } from '../compare/archive-diff.js';

export interface JobsDiffOptions {
  archive: string;
  names: string[];
  match: string[];
  env?: string;
  map: string[];
  expressionTimeZone?: string;
  exitCode: boolean;
  /** --unified: script content as a unified diff. */
  unified?: boolean;
  /** --all: also list the workspace's jobs the archive lacks. */
  all?: boolean;
}

/** The archive's jobs the flags select; an unknown NAME is a usage error naming it. */
function selectJobs(all: string[], opts: JobsDiffOptions): string[] {
  const unknown = opts.names.filter((n) => !all.includes(n));
  if (unknown.length > 0) throw new UsageError(`not in the archive: ${unknown.join(', ')}`, { hint: `The archive holds ${all.length} jobs; \`dataarts archive show ${opts.archive}\` lists them.` });
  if (opts.names.length === 0 && opts.match.length === 0) return all;
  const matches = globMatcher(opts.match);
  return all.filter((n) => opts.names.includes(n) || (opts.match.length > 0 && matches(n)));
}

/** --all: the workspace's jobs the archive lacks (narrowed by --match like the archive's). */
function workspaceOnly(existing: Set<string>, inArchive: string[], match: string[]): string[] {
  const archived = new Set(inArchive);
  const matches = match.length > 0 ? globMatcher(match) : () => true;
  return [...existing].filter((n) => !archived.has(n) && matches(n)).sort();
}

export async function runJobsDiff(ctx: CommandContext, opts: JobsDiffOptions): Promise<number> {
  const timeZone = opts.expressionTimeZone === undefined ? undefined : normalizeTimeZone(opts.expressionTimeZone);
  const model = await readArchive(resolve(ctx.deps.cwd, opts.archive), IMPORT_READ_LIMITS);
  if (opts.all && opts.names.length > 0) {
    throw new UsageError('--all lists every workspace job the archive lacks; it cannot be combined with NAME arguments', { hint: 'Drop the NAMEs, or narrow with --match GLOB (it applies to both sides).' });
  }
  const names = selectJobs(model.jobs.map((j) => j.name), opts);
  if (names.length === 0) ctx.ui.warn(`no job of the archive matches ${opts.match.join(', ')}`);
  const [{ openSession }, refs] = await Promise.all([import('../api/session.js'), import('../refs/index.js')]);
  const workDir = await mkdtemp(join(ctx.deps.env.TMPDIR || tmpdir(), 'dataarts-diff-'));
  const release = ctx.deps.cleanup.add(() => rm(workDir, { recursive: true, force: true }));
  const session = await openSession(ctx);
  try {
    const map = refs.resolveEnvironmentMap(session.config, opts.env, opts.map);
    const plan = await refs.planReferences({ model, map, connections: undefined });
    const existing = new Set((await listAllJobsShowingProgress(ctx, session.dataarts)).map((j) => j.name));
    const onlyInWorkspace = opts.all ? workspaceOnly(existing, model.jobs.map((j) => j.name), opts.match) : undefined;
    const progress = await ctx.ui.progress('Reading the workspace');
    const doc = await diffArchive({
      model, names, existing, timeZone, rewriteEntry: plan.rewriteEntry, client: session.dataarts, workDir, workspace: session.config.workspace,
      ...(onlyInWorkspace ? { onlyInWorkspace } : {}),
      onProgress: (done, total) => progress.update(done, total),
    }).finally(() => progress.stop());
    if (ctx.globals.json) await printJson(ctx.deps.io.stdout, doc);
    else await printLines(ctx.deps.io.stdout, diffLines(doc, { unified: opts.unified === true }));
    const { summary } = doc;
    ctx.ui.info(`${summary.new} new, ${summary.changed} changed, ${summary.same} same${summary.onlyInWorkspace === undefined ? '' : `, ${summary.onlyInWorkspace} only in workspace`}`);
    if (opts.exitCode && summary.new + summary.changed > 0) {
      throw new DifferencesFoundError(`${summary.new + summary.changed} job${summary.new + summary.changed === 1 ? '' : 's'} would change (${summary.new} new, ${summary.changed} changed)`);
    }
    return ExitCode.OK;
  } finally {
    await session.close();
    await rm(workDir, { recursive: true, force: true });
    release();
  }
}
