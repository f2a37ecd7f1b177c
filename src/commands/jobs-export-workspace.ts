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
import { parseDuration, parsePastTime } from '../export/since.js';
import { readState, writeState } from '../export/state-file.js';
import { checkStateLocation } from '../backups/state-location.js';
import { acquireLock, type HeldLock } from '../backups/lock.js';
import {
  lastJobList, lastScripts, missingChainArchives, planRun, refuseRecordedArchive, recordRun, removeUnneededArchives, selectJobs, selectsChanged, type RunPlan,
} from '../backups/record-run.js';
import { describePolicy, retentionFromFlags, type RetentionFlags } from '../backups/retention.js';
import { scriptArchivePathFor, scriptChanges, writeScriptArchive } from '../backups/script-capture.js';
import { failureOf, jobChanges, recordFailure } from '../backups/night.js';
import { nightReport, printNightResult, type NightReport } from '../backups/night-report.js';
import { rotateOutputs } from '../export/rotate.js';
import type { ExportCommonOptions } from '../export/options.js';
import { streamJobs } from '../export/streamed-selection.js';

export interface JobsExportWorkspaceOptions extends ExportCommonOptions, RetentionFlags {
  since?: string;
  stateFile?: string;
  full: boolean;
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
  const sinceMs = opts.since === undefined ? undefined : parsePastTime(opts.since, startedAt, '--since');
  const fullEveryMs = parseDuration(opts.fullEvery ?? DEFAULT_FULL_EVERY, '--full-every');
  const retention = retentionFromFlags(opts);
  if (!opts.full && opts.since === undefined && opts.stateFile === undefined) {
    // (inferred) No implicit default: a silent full export or "since forever" would surprise a cron job.
    throw new UsageError('say which jobs to export', { hint: 'Give --since TIME, --state-file PATH (incremental; the first run is full) or --full.' });
  }
  if (opts.stateFile === undefined && retention && Object.keys(retention).some((k) => k !== 'last')) {
    throw new UsageError('--keep-daily, --keep-weekly, --keep-monthly and --keep-within need --state-file', { hint: 'They speak of restore points, which the state file records; without one only --keep N counts archives.' });
  }
  // Local checks first (state file, its directory, its lock, the output): nothing is requested before.
  const stateFile = opts.stateFile === undefined ? undefined : path.resolve(ctx.deps.cwd, opts.stateFile);
  let lock: HeldLock | undefined;
  if (stateFile !== undefined) {
    await checkStateLocation(stateFile);
    lock = await acquireLock(stateFile, { cleanup: ctx.deps.cleanup, now: startedAt, warn: (m) => ctx.ui.warn(m) });
  }
  let workspace: string | undefined;
  try {
    // Read under the lock: the state a concurrent run just wrote.
    const previous = stateFile === undefined ? undefined : await readState(stateFile);
    const { openSession } = await import('../api/session.js');
    const session = await openSession(ctx);
    try {
      workspace = workspaceLabel(session.config.workspace);
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

      // A night also reads the scripts (reference §20: the list carries their content), alongside
      // the job listing; the promise is observed at once so a failure of either is reported once.
      const scriptsListed = stateFile === undefined ? undefined : session.dataarts.listScripts();
      scriptsListed?.catch(() => undefined);
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
          selection: { mode: since === null ? 'full' : 'since', since, jobsOnly: opts.jobsOnly, status: opts.status, expressionTimeZone: expressionTimeZone ?? null },
        });
        target.keep();
      }

      const listed = await streamed.listed;
      // Only now, with the archive in place, does the state advance (also when nothing changed: the
      // run is a restore point of its own, and the chain goes on).
      let removed: string[] = [];
      let night: NightReport | undefined;
      if (stateFile !== undefined) {
        const scripts = scriptChanges(await scriptsListed!, lastScripts(previous), plan.cutoff === undefined);
        const scriptArchive = scripts.capture.length === 0 ? undefined : await writeScriptArchive(scriptArchivePathFor(target.path), scripts.capture, ctx.deps.cleanup);
        const archive = result && { path: result.path, sha256: result.sha256, layout: result.layout, jobs: result.jobs };
        const next = recordRun(previous, { startedAt, finishedAt: ctx.deps.now(), plan, listed, archive, scripts: scripts.listed, scriptArchive }, { stateFile, workspace, retention });
        await writeState(stateFile, next.state, ctx.deps.cleanup);
        removed = await removeUnneededArchives(stateFile, next.dropped, next.state.runs);
        night = nightReport({ full: plan.cutoff === undefined, jobs: jobChanges(plan.previousJobs ?? lastJobList(previous), listed), scripts, scriptArchive, startedAt, now: ctx.deps.now() });
      } else if (result && retention?.last !== undefined) {
        removed = await rotateOutputs(target.dir, workspace, opts.layout, retention.last);
      }
      for (const r of removed) ctx.ui.info(`removed ${r}: no kept restore point needs it${retention ? ` (${describePolicy(retention, opts.keepWithin)})` : ''}`);
      await printNightResult(ctx, { result, night, since, removed, layout: opts.layout, workspace });
      return 0;
    } finally {
      await session.close();
    }
  } catch (err) {
    // A failed night is remembered (under the lock, so no other run's state is touched) for `backups status`.
    if (stateFile !== undefined) await recordFailure(stateFile, failureOf(err, startedAt), { workspace, cleanup: ctx.deps.cleanup });
    throw err;
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
