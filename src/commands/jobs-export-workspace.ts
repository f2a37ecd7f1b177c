/**
 * `dataarts jobs export-workspace`: the workspace's changed jobs (the console's "Export Workspace
 * Job"; there is no public API for it, reference §8), built on the job list: a job has changed when
 * its lastUpdateTime is at or after the cutoff (inferred: the only change signal the API offers).
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import type { CommandContext } from '../context.js';
import type { JobSummary } from '../api/dataarts.js';
import { RefusedError, UsageError } from '../errors.js';
import { normalizeTimeZone } from '../archive/timezone.js';
import { refuseExistingOutputs } from '../util/atomic.js';
import { isOutputDirectory, uniqueDefaultPath, workspaceLabel } from '../export/output-path.js';
import { manifestPathFor } from '../export/manifest.js';
import { commonPlanOptions, exportToArchive, type ExportResult } from '../export/pipeline.js';
import { printExportResult } from '../export/report.js';
import { parseSince } from '../export/since.js';
import { readState, writeState, STATE_VERSION } from '../export/state-file.js';
import { rotateOutputs } from '../export/rotate.js';
import { printJson, printLines } from '../output/render.js';
import type { ExportCommonOptions } from '../export/options.js';
import { listAllJobsShowingProgress } from '../api/listing.js';

export interface JobsExportWorkspaceOptions extends ExportCommonOptions {
  since?: string;
  stateFile?: string;
  full: boolean;
  keep?: number;
}

/** Reference §15: a workspace export is capped at 10,000 jobs. */
export const WORKSPACE_EXPORT_CAP = 10_000;

export async function runJobsExportWorkspace(ctx: CommandContext, opts: JobsExportWorkspaceOptions): Promise<number> {
  // The cutoff of the NEXT run: taken before listing, so changes made during this run are not missed.
  const startedAt = ctx.deps.now();
  const expressionTimeZone = opts.expressionTimeZone === undefined ? undefined : normalizeTimeZone(opts.expressionTimeZone);
  const sinceMs = opts.since === undefined ? undefined : parseSince(opts.since, startedAt);
  if (!opts.full && opts.since === undefined && opts.stateFile === undefined) {
    // (inferred) No implicit default: a silent full export or "since forever" would surprise a cron job.
    throw new UsageError('say which jobs to export', { hint: 'Give --since TIME, --state-file PATH (incremental; the first run is full) or --full.' });
  }
  const stateFile = opts.stateFile === undefined ? undefined : path.resolve(ctx.deps.cwd, opts.stateFile);
  const previous = stateFile === undefined ? undefined : await readState(stateFile);

  const { openSession } = await import('../api/session.js');
  const session = await openSession(ctx);
  try {
    const workspace = workspaceLabel(session.config.workspace);
    if (previous && previous.workspace !== workspace) {
      throw new UsageError(`--state-file ${stateFile} belongs to workspace '${previous.workspace}', not '${workspace}'`, {
        hint: 'Use one state file per workspace.',
      });
    }
    // Precedence (inferred): --full, then --since, then the state file; no state yet = full.
    const cutoff = opts.full ? undefined : sinceMs ?? (previous ? Date.parse(previous.lastExportStartedAt) : undefined);
    const { output, outputDir } = await resolveOutput(ctx, opts, workspace, startedAt);
    await refuseExistingOutputs([output, manifestPathFor(output)], opts.force);

    const selected = changedSince(await listAllJobsShowingProgress(ctx, session.dataarts), cutoff);
    if (selected.length > WORKSPACE_EXPORT_CAP) {
      throw new RefusedError(`${selected.length} jobs changed, more than the ${WORKSPACE_EXPORT_CAP} a workspace export may hold`, [], {
        hint: 'Narrow it with --since (or a more recent --state-file run), or export parts with `dataarts jobs export --directory/--match`.',
      });
    }

    let result: ExportResult | undefined;
    if (selected.length === 0) {
      ctx.ui.info(`no job changed${cutoff === undefined ? '' : ` since ${new Date(cutoff).toISOString()}`}; no archive written`);
    } else {
      result = await exportToArchive(ctx, session.dataarts, {
        command: 'jobs export-workspace',
        jobs: selected,
        output,
        ...commonPlanOptions(opts),
        expressionTimeZone,
        workspace,
        selection: {
          mode: cutoff === undefined ? 'full' : 'since',
          since: cutoff === undefined ? null : new Date(cutoff).toISOString(),
          jobsOnly: opts.jobsOnly,
          status: opts.status,
          expressionTimeZone: expressionTimeZone ?? null,
        },
      });
    }

    // Only now, with the archive in place, does the state advance (also when nothing changed:
    // the cutoff moves to this run's start, which is safe since nothing changed before it).
    if (stateFile !== undefined) {
      await writeState(
        stateFile,
        {
          version: STATE_VERSION,
          workspace,
          lastExportStartedAt: startedAt.toISOString(),
          lastExportFinishedAt: ctx.deps.now().toISOString(),
          ...(result ? { lastArchive: result.path, lastSha256: result.sha256 } : {}),
          lastJobs: selected.length,
          lastCutoff: cutoff === undefined ? 'full' : new Date(cutoff).toISOString(),
        },
        ctx.deps.cleanup,
      );
    }
    const removed = result && opts.keep !== undefined ? await rotateOutputs(outputDir, workspace, opts.layout, opts.keep) : [];
    for (const r of removed) ctx.ui.info(`removed old archive ${r} (--keep ${opts.keep})`);

    if (result) {
      await printExportResult(ctx, result, { since: cutoff === undefined ? null : new Date(cutoff).toISOString(), removed });
    } else if (ctx.globals.json) {
      await printJson(ctx.deps.io.stdout, {
        path: null, layout: opts.layout, workspace, jobs: 0, scripts: 0, resources: 0, bytes: 0, sha256: null, manifest: null,
        since: cutoff === undefined ? null : new Date(cutoff).toISOString(), removed, jobList: [],
      });
    } else {
      await printLines(ctx.deps.io.stdout, ['-  0 jobs  0 scripts  0 resources  0 bytes  (nothing changed; no archive written)']);
    }
    return 0;
  } finally {
    await session.close();
  }
}

/** Jobs changed at or after the cutoff; a job without lastUpdateTime counts as changed (inferred: never miss one). */
export function changedSince(jobs: JobSummary[], cutoff: number | undefined): JobSummary[] {
  if (cutoff === undefined) return jobs;
  return jobs.filter((j) => j.lastUpdateTime === undefined || j.lastUpdateTime >= cutoff);
}

/**
 * `-o` a directory (existing, or ending in '/', created if missing) or absent: a default name
 * unique to this run in it. Otherwise the exact path given.
 */
async function resolveOutput(
  ctx: CommandContext,
  opts: JobsExportWorkspaceOptions,
  workspace: string,
  now: Date,
): Promise<{ output: string; outputDir: string }> {
  const cwd = ctx.deps.cwd;
  if (opts.output === undefined) {
    return { output: await uniqueDefaultPath(cwd, 'dataarts-workspace', workspace, now, opts.layout), outputDir: cwd };
  }
  const resolved = path.resolve(cwd, opts.output);
  if (await isOutputDirectory(opts.output, resolved)) {
    await fs.mkdir(resolved, { recursive: true });
    return { output: await uniqueDefaultPath(resolved, 'dataarts-workspace', workspace, now, opts.layout), outputDir: resolved };
  }
  return { output: resolved, outputDir: path.dirname(resolved) };
}
