/**
 * `dataarts jobs list`: every job of the workspace (BATCH and REAL_TIME), optionally narrowed by
 * `--match` globs, as a table or one JSON document on stdout.
 */
import type { CommandContext } from '../context.js';
import { ExitCode } from '../errors.js';
import { count } from '../output/plural.js';
import { formatTable, printJson, printLines } from '../output/render.js';
import { globMatcher } from '../util/glob.js';
import { openSession } from '../api/session.js';
import type { JobSummary } from '../api/dataarts.js';
import { listAllJobsShowingProgress } from '../api/listing.js';

export interface JobsListOptions {
  match: string[];
}

export interface JobsListDocument {
  /** The configured workspace id, or null for the service's default workspace. */
  workspace: string | null;
  total: number;
  jobs: { name: string; jobType: string; status: string; lastUpdateTime: string | null; path: string | null; owner: string | null }[];
}

function isoTime(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

export function toListDocument(workspace: string | undefined, jobs: JobSummary[]): JobsListDocument {
  return {
    workspace: workspace ?? null,
    total: jobs.length,
    jobs: jobs.map((j) => ({
      name: j.name,
      jobType: j.jobType,
      status: j.status,
      lastUpdateTime: isoTime(j.lastUpdateTime),
      path: j.path ?? null,
      owner: j.owner ?? null,
    })),
  };
}

export async function runJobsList(ctx: CommandContext, opts: JobsListOptions): Promise<number> {
  const session = await openSession(ctx);
  try {
    const all = await listAllJobsShowingProgress(ctx, session.dataarts);
    const matches = globMatcher(opts.match);
    const jobs = all.filter((j) => matches(j.name));
    if (opts.match.length > 0 && jobs.length === 0) {
      ctx.ui.warn(`no job matches ${opts.match.map((m) => `'${m}'`).join(' or ')} (${count(all.length, 'job')} in the workspace)`);
    } else if (all.length === 0) {
      // An empty table says nothing; say why on stderr (stdout stays empty for scripts).
      ctx.ui.info(`no jobs in ${session.config.workspace === undefined ? 'the default workspace' : `workspace ${session.config.workspace}`}`);
    }
    const doc = toListDocument(session.config.workspace, jobs);
    if (ctx.globals.json) {
      await printJson(ctx.deps.io.stdout, doc);
    } else if (jobs.length > 0) {
      const rows = doc.jobs.map((j) => [j.name, j.jobType, j.status, j.lastUpdateTime ?? '-', j.path ?? '-']);
      await printLines(ctx.deps.io.stdout, formatTable(['NAME', 'TYPE', 'STATUS', 'LAST UPDATE', 'PATH'], rows));
    }
    return ExitCode.OK;
  } finally {
    await session.close();
  }
}
