/**
 * `dataarts jobs export-workspace`: the workspace's changed jobs (the console's "Export Workspace
 * Job"; there is no public API for it, reference §8), built on the job list: a job has changed when
 * its lastUpdateTime is at or after the cutoff (inferred: the only change signal the API offers).
 * With --state-file, runs form backup chains (src/backups/): a full archive, then increments.
 */
import type { CommandContext } from '../context.js';
import { RefusedError, UsageError } from '../errors.js';
import { normalizeTimeZone } from '../archive/timezone.js';
import { workspaceLabel } from '../export/output-path.js';
import { commonPlanOptions, exportToArchive, type ExportResult } from '../export/pipeline.js';
import { parseDuration, parsePastTime } from '../export/since.js';
import {
  brokenChainArchives, lastJobList, lastScripts, planNight, refuseRecordedArchive, selectJobs, selectsChanged, type NightPlan,
} from '../backups/record-run.js';
import { describePolicy, retentionFromFlags, type RetentionFlags, type RetentionPolicy } from '../backups/retention.js';
import { captureScripts, openScriptIntake } from '../backups/script-capture.js';
import { failureOf, jobChanges, recordFailure } from '../backups/night.js';
import { nightReport, printNightResult, type NightReport } from '../backups/night-report.js';
import { removeUnrecorded } from '../backups/unrecorded.js';
import { beginBackupRun, finishBackupRun, reportRemoved, type BackupRun } from '../backups/nightly.js';
import { openBackupAccess, type BackupAccess } from '../backups/open-state.js';
import { resolveDestination } from '../backups/destination.js';
import { resolveLocation, type Location } from '../backups/location.js';
import { rotateOutputs } from '../backups/rotation.js';
import { manifestPathFor } from '../export/manifest.js';
import type { ExportCommonOptions } from '../export/options.js';
import { streamJobs } from '../export/streamed-selection.js';
import { loadSecretsPolicy } from '../secrets/baseline.js';
import type { SecretsPolicy } from '../secrets/policy.js';

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
  if (opts.failOnSecrets && opts.stateFile !== undefined) {
    throw new UsageError('--fail-on-secrets does not apply to backups (--state-file): a backup is never refused', {
      hint: 'Drop --fail-on-secrets: the run warns and records the count in the state file; --secrets-baseline FILE silences accepted ones.',
    });
  }
  const secrets = await loadSecretsPolicy(ctx.deps.cwd, opts);
  if (opts.stateFile === undefined && retention && Object.keys(retention).some((k) => k !== 'last')) {
    throw new UsageError('--keep-daily, --keep-weekly, --keep-monthly and --keep-within need --state-file', { hint: 'They speak of restore points, which the state file records; without one only --keep N counts archives.' });
  }
  // Local checks first (state file, its directory, its lock, the output): nothing is requested
  // before, unless the state lives in OBS (then its lock is the first request).
  const stateFile = opts.stateFile === undefined ? undefined : resolveLocation(ctx.deps.cwd, opts.stateFile, { flag: '--state-file' });
  const access = openBackupAccess(ctx);
  try {
    const backup = stateFile === undefined ? undefined : await beginBackupRun(ctx, access, stateFile);
    try {
      return await exportRun(ctx, opts, { access, stateFile, backup, startedAt, sinceMs, fullEveryMs, expressionTimeZone, retention, secrets });
    } catch (err) {
      // A failed night is remembered for `backups status` (under this run's lock, best effort: the
      // run's own error is what must reach the user).
      if (backup && stateFile) await recordFailure(access.repo, stateFile, failureOf(err, startedAt), { workspace: backup.previous?.workspace, lock: backup.lock });
      throw err;
    } finally {
      await backup?.lock.release();
    }
  } finally {
    await access.close();
  }
}

interface RunSetting {
  access: BackupAccess;
  stateFile?: Location;
  backup?: BackupRun;
  startedAt: Date;
  sinceMs?: number;
  fullEveryMs: number;
  expressionTimeZone?: string;
  retention?: RetentionPolicy;
  secrets: SecretsPolicy;
}

async function exportRun(ctx: CommandContext, opts: JobsExportWorkspaceOptions, setting: RunSetting): Promise<number> {
  const { access, stateFile, backup, startedAt, sinceMs, fullEveryMs, expressionTimeZone, retention, secrets } = setting;
  const previous = backup?.previous;
  const session = await access.session();
  const workspace = workspaceLabel(session.config.workspace);
  if (previous && previous.workspace !== workspace) {
    throw new UsageError(`--state-file ${stateFile} belongs to workspace '${previous.workspace}', not '${workspace}'`, {
      hint: 'Use one state file per workspace.',
    });
  }
  if (previous?.legacy) ctx.ui.info(`${stateFile} is a version-1 state file: this run starts a new backup chain with a full archive`);
  const broken = stateFile === undefined || opts.full ? [] : await brokenChainArchives(access.repo, stateFile, previous);
  for (const b of broken) ctx.ui.warn(`${b.location} is ${b.problem}`);
  if (broken.length > 0) ctx.ui.warn('the current backup chain cannot be extended: this run starts a new chain with a full archive');
  const full = opts.full || broken.length > 0;
  const plan: NightPlan = stateFile === undefined ? { cutoff: full ? undefined : sinceMs } : planNight(previous, { full, sinceMs, fullEveryMs, now: startedAt });
  const target = await resolveDestination(ctx, access, { typed: opts.output, layout: opts.layout, force: opts.force, workspace, stamp: startedAt });
  if (stateFile !== undefined) {
    for (const p of await removeUnrecorded(access.repo, { stateFile, state: previous, dir: target.dir, workspace })) ctx.ui.info(`removed ${p}: a run on this state file wrote it and died before recording it`);
  }
  if (stateFile !== undefined) refuseRecordedArchive(stateFile, previous, target.location);
  // A night also reads the scripts (reference §20: the list carries their content), alongside the
  // job listing, taking each page in as it arrives (script-capture.ts); the promise is observed at
  // once so a failure of either is reported once.
  const intake = backup === undefined ? undefined : await openScriptIntake(ctx, access, { before: lastScripts(previous), full: plan.cutoff === undefined, archive: target.location });
  const scriptsListed = intake && session.dataarts.listScripts({ onPage: intake.onPage });
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
  let md5: string | undefined;
  if (streamed.feed === undefined) {
    await target.discard();
    ctx.ui.info(`no job changed${since === null ? '' : ` since ${since}`}; no archive written`);
  } else {
    const written = await exportToArchive(ctx, session.dataarts, {
      command: 'jobs export-workspace',
      jobs: [],
      feed: streamed.feed,
      output: target.localPath,
      ...commonPlanOptions(opts),
      force: target.replace,
      expressionTimeZone,
      workspace,
      secrets,
      // stateFile: a later run on this state removes the archive if this run dies before recording it.
      selection: { mode: since === null ? 'full' : 'since', since, jobsOnly: opts.jobsOnly, status: opts.status, expressionTimeZone: expressionTimeZone ?? null, ...(stateFile ? { stateFile } : {}) },
    });
    md5 = (await target.publish(written.sha256, stateFile)).md5;
    result = { ...written, path: target.location, manifest: manifestPathFor(target.location) };
  }

  const listed = await streamed.listed;
  // Only now, with the archive in place, does the state advance (also when nothing changed: the
  // run is a restore point of its own, and the chain goes on).
  let removed: string[] = [];
  let night: NightReport | undefined;
  if (stateFile !== undefined && backup !== undefined) {
    const archive = result && { path: result.path, sha256: result.sha256, layout: result.layout, jobs: result.jobs, bytes: result.bytes, ...(md5 ? { md5 } : {}), secrets: result.secrets.length };
    await scriptsListed;
    const scripts = await captureScripts(ctx, access, { intake: intake!, archive: target.location, stateFile });
    removed = await finishBackupRun(access, {
      ...backup, stateFile, workspace, retention,
      // From the state's write on, the archive and the script capture are the state's.
      onRecorded: () => {
        target.keep();
        scripts.keep();
      },
    }, { startedAt, finishedAt: ctx.deps.now(), plan, listed, archive, scripts: scripts.changes.listed, scriptArchive: scripts.written });
    night = nightReport({ full: plan.cutoff === undefined, jobs: jobChanges(plan.previousJobs ?? lastJobList(previous), listed), scripts: scripts.changes, scriptArchive: scripts.written, startedAt, now: ctx.deps.now() });
  } else {
    target.keep();
    if (result && retention?.last !== undefined) removed = await rotateOutputs(access.repo, { dir: target.dir, workspace, layout: opts.layout, keep: retention.last });
  }
  if (retention) reportRemoved(ctx.ui, removed, describePolicy(retention, opts.keepWithin));
  await printNightResult(ctx, { result, night, since, removed, layout: opts.layout, workspace });
  return 0;
}

/** Refuse a selection of more jobs than one workspace export may hold (exit 4, nothing written). */
function withinCap(count: number): void {
  if (count > WORKSPACE_EXPORT_CAP) {
    throw new RefusedError(`${count} jobs changed, more than the ${WORKSPACE_EXPORT_CAP} a workspace export may hold`, [], {
      hint: 'Narrow it with --since (or a more recent --state-file run), or export parts with `dataarts jobs export --directory/--match`.',
    });
  }
}
