/**
 * `dataarts jobs export-workspace`: the workspace's changed jobs (the console's "Export Workspace
 * Job"; there is no public API for it, reference §8), built on the job list: a job has changed when
 * its lastUpdateTime is at or after the cutoff (inferred: the only change signal the API offers).
 * With --state-file, runs form backup chains (src/backups/): a full archive, then increments.
 */
import path from 'node:path';
import type { CommandContext } from '../context.js';
import { RefusedError, UsageError } from '../errors.js';
import { normalizeTimeZone } from '../archive/timezone.js';
import { workspaceLabel } from '../export/output-path.js';
import { resolveOutputTarget } from '../export/output-target.js';
import { commonPlanOptions, exportToArchive, type ExportResult } from '../export/pipeline.js';
import { printExportResult } from '../export/report.js';
import { parseDuration, parseSince } from '../export/since.js';
import { readState, writeState } from '../export/state-file.js';
import { checkStateLocation } from '../backups/state-location.js';
import { acquireLock, type HeldLock } from '../backups/lock.js';
import { missingChainArchives, planRun, refuseRecordedArchive, recordRun, removeUnneededArchives, selectJobs, selectsChanged, type RunPlan } from '../backups/record-run.js';
import { rotateOutputs } from '../export/rotate.js';
import { printJson, printLines } from '../output/render.js';
import type { ExportCommonOptions } from '../export/options.js';
import { streamJobs } from '../export/streamed-selection.js';
import { loadSecretsPolicy } from '../secrets/baseline.js';

export interface JobsExportWorkspaceOptions extends ExportCommonOptions {
  since?: string;
  stateFile?: string;
  full: boolean;
  keep?: number;
  /** Start a new chain when the current chain's full archive is older than this (default 7d). */
  fullEvery?: string;
}

/** Reference §15: a workspace export is capped at 10,000 jobs. */
export const WORKSPACE_EXPORT_CAP = 10_000;
export const DEFAULT_FULL_EVERY = '7d';

export async function runJobsExportWorkspace(ctx: CommandContext, opts: JobsExportWorkspaceOptions): Promise<number> {
  // The cutoff of the NEXT run: taken before listing, so changes made during this run are not missed.
  const startedAt = ctx.deps.now();
  const expressionTimeZone = opts.expressionTimeZone === undefined ? undefined : normalizeTimeZone(opts.expressionTimeZone);
  const sinceMs = opts.since === undefined ? undefined : parseSince(opts.since, startedAt);
  const fullEveryMs = parseDuration(opts.fullEvery ?? DEFAULT_FULL_EVERY, '--full-every');
  if (!opts.full && opts.since === undefined && opts.stateFile === undefined) {
    // (inferred) No implicit default: a silent full export or "since forever" would surprise a cron job.
    throw new UsageError('say which jobs to export', { hint: 'Give --since TIME, --state-file PATH (incremental; the first run is full) or --full.' });
  }
  if (opts.failOnSecrets && opts.stateFile !== undefined) {
    throw new UsageError('--fail-on-secrets does not apply to backups (--state-file): a backup is never refused', {
      hint: 'Drop --fail-on-secrets: the run warns and records the count in the state file; --secrets-baseline FILE silences accepted ones.',
    });
  }
  const secrets = await loadSecretsPolicy(ctx.deps.cwd, opts);
  // Local checks first (state file, its directory, its lock, the output): nothing is requested before.
  const stateFile = opts.stateFile === undefined ? undefined : path.resolve(ctx.deps.cwd, opts.stateFile);
  let lock: HeldLock | undefined;
  if (stateFile !== undefined) {
    await checkStateLocation(stateFile);
    lock = await acquireLock(stateFile, { cleanup: ctx.deps.cleanup, now: startedAt, warn: (m) => ctx.ui.warn(m) });
  }
  try {
    // Read under the lock: the state a concurrent run just wrote.
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
      if (previous?.legacy) ctx.ui.info(`${stateFile} is a version-1 state file: this run starts a new backup chain with a full archive`);
      const missing = stateFile === undefined || opts.full ? [] : await missingChainArchives(stateFile, previous);
      if (missing.length > 0) ctx.ui.warn(`the current backup chain lacks ${missing.join(', ')}; this run starts a new chain with a full archive`);
      const full = opts.full || missing.length > 0;
      const plan: RunPlan = stateFile === undefined ? { cutoff: full ? undefined : sinceMs } : planRun(previous, { full, sinceMs, fullEveryMs, now: startedAt });
      const target = await resolveOutputTarget(ctx, { typed: opts.output, layout: opts.layout, force: opts.force, prefix: 'dataarts-workspace', workspace, stamp: startedAt });
      if (stateFile !== undefined) refuseRecordedArchive(stateFile, previous, target.path);

      // The exports start while the list is still read (streamed-selection.ts); the cap is checked
      // on the complete selection, before anything is written.
      const streamed = await streamJobs(ctx, session.dataarts, {
        selects: selectsChanged(plan),
        selection: (all) => {
          const selected = selectJobs(all, plan);
          withinCap(selected.length);
          return selected;
        },
        expectsAll: plan.cutoff === undefined,
        // A full export of a workspace over the cap is refused on the first pages, not after it.
        ...(plan.cutoff === undefined ? { onTotal: withinCap } : {}),
      });
      const since = plan.cutoff === undefined ? null : new Date(plan.cutoff).toISOString();
      let result: ExportResult | undefined;
      if (streamed.feed === undefined) {
        await target.discard();
        ctx.ui.info(`no job changed${since === null ? '' : ` since ${since}`}; no archive written`);
      } else {
        result = await exportToArchive(ctx, session.dataarts, {
          command: 'jobs export-workspace',
          jobs: [],
          feed: streamed.feed,
          output: target.path,
          ...commonPlanOptions(opts),
          force: target.replace,
          expressionTimeZone,
          workspace,
          secrets,
          selection: { mode: since === null ? 'full' : 'since', since, jobsOnly: opts.jobsOnly, status: opts.status, expressionTimeZone: expressionTimeZone ?? null },
        });
        target.keep();
      }

      const listed = await streamed.listed;
      // Only now, with the archive in place, does the state advance (also when nothing changed: the
      // run is a restore point of its own, and the chain goes on).
      let removed: string[] = [];
      if (stateFile !== undefined) {
        const archive = result && { path: result.path, sha256: result.sha256, layout: result.layout, jobs: result.jobs, secrets: result.secrets.length };
        const next = recordRun(previous, { startedAt, finishedAt: ctx.deps.now(), plan, listed, archive }, { stateFile, workspace, keep: opts.keep });
        await writeState(stateFile, next.state, ctx.deps.cleanup);
        removed = await removeUnneededArchives(stateFile, next.dropped, next.state.runs);
      } else if (result && opts.keep !== undefined) {
        removed = await rotateOutputs(target.dir, workspace, opts.layout, opts.keep);
      }
      for (const r of removed) ctx.ui.info(`removed ${r}: no kept restore point needs it (--keep ${opts.keep})`);

      if (result) {
        await printExportResult(ctx, result, { since, removed });
      } else if (ctx.globals.json) {
        await printJson(ctx.deps.io.stdout, {
          path: null, layout: opts.layout, workspace, jobs: 0, scripts: 0, resources: 0, bytes: 0, sha256: null, manifest: null, secrets: [], secretsAccepted: 0, since, removed, jobList: [],
        });
      } else if (!ctx.globals.quiet) {
        // A quiet night prints nothing at all (cron mails any output).
        await printLines(ctx.deps.io.stdout, ['-  0 jobs  0 scripts  0 resources  0 bytes  (nothing changed; no archive written)']);
      }
      return 0;
    } finally {
      await session.close();
    }
  } finally {
    await lock?.release();
  }
}

/** Refuse a selection of more jobs than one workspace export may hold (exit 4, nothing written). */
function withinCap(count: number): void {
  if (count > WORKSPACE_EXPORT_CAP) {
    throw new RefusedError(`${count} jobs changed, more than the ${WORKSPACE_EXPORT_CAP} a workspace export may hold`, [], {
      hint: 'Narrow it with --since (or a more recent --state-file run), or export parts with `dataarts jobs export --directory/--match`.',
    });
  }
}
