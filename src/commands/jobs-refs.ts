/**
 * `dataarts jobs refs ARCHIVE | --from-workspace [--match GLOB]`: what each job and script refers
 * to outside itself (issue 6). An archive needs no credentials and no network; --from-workspace
 * reads the selected jobs and their scripts through the API.
 */
import { resolve as resolvePath } from 'node:path';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { printJson, printLines } from '../output/render.js';
import { inventory } from '../refs/inventory.js';
import { referenceTable } from '../refs/render.js';
import type { Reference } from '../refs/types.js';
import { listAllJobsShowingProgress } from '../api/listing.js';

export interface JobsRefsOptions {
  archive?: string;
  fromWorkspace: boolean;
  match: string[];
}

async function referencesFromArchive(path: string): Promise<Reference[]> {
  const { readArchive } = await import('../archive/model.js');
  const model = await readArchive(path);
  return inventory(model);
}

async function referencesFromWorkspace(ctx: CommandContext, match: string[]): Promise<Reference[]> {
  const [{ openSession }, { globMatcher }, { readWorkspaceReferenceSources }] = await Promise.all([
    import('../api/session.js'),
    import('../util/glob.js'),
    import('../refs/workspace-source.js'),
  ]);
  const session = await openSession(ctx);
  try {
    const all = await listAllJobsShowingProgress(ctx, session.dataarts);
    const names = all.map((j) => j.name).filter(globMatcher(match));
    if (names.length === 0) {
      ctx.ui.warn(match.length > 0 ? `no job matches ${match.map((m) => `'${m}'`).join(', ')}` : 'the workspace has no jobs');
      return [];
    }
    const progress = await ctx.ui.progress('Reading job definitions');
    const read = await readWorkspaceReferenceSources(session.dataarts, names, {
      signal: ctx.deps.signal,
      onProgress: (done, total) => progress.update(done, total),
    });
    progress.stop();
    for (const name of read.vanishedJobs) ctx.ui.warn(`job "${name}" was listed but is gone now; left out`);
    for (const name of read.missingScripts) ctx.ui.warn(`script "${name}" is named by a node but is not in the workspace`);
    return inventory(read);
  } finally {
    await session.close();
  }
}

export async function runJobsRefs(ctx: CommandContext, opts: JobsRefsOptions): Promise<number> {
  if (opts.archive !== undefined && opts.fromWorkspace) {
    throw new UsageError('give either an ARCHIVE or --from-workspace, not both');
  }
  if (opts.archive === undefined && !opts.fromWorkspace) {
    throw new UsageError('jobs refs needs an ARCHIVE (zip or directory) or --from-workspace', {
      hint: 'e.g. dataarts jobs refs jobs.zip, or dataarts jobs refs --from-workspace --match "ods_*"',
    });
  }
  if (opts.archive !== undefined && opts.match.length > 0) {
    throw new UsageError('--match selects jobs in the workspace: use it with --from-workspace');
  }

  const references = opts.archive !== undefined ? await referencesFromArchive(resolvePath(ctx.deps.cwd, opts.archive)) : await referencesFromWorkspace(ctx, opts.match);

  if (ctx.globals.json) await printJson(ctx.deps.io.stdout, { references });
  else if (references.length === 0) ctx.ui.info('no external references');
  else await printLines(ctx.deps.io.stdout, referenceTable(references));
  return 0;
}
