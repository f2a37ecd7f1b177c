/**
 * `dataarts jobs import ARCHIVE`: read and check the archive, plan against the workspace, refuse
 * before any upload when something is wrong, then stage in OBS, import (one call per part, never
 * repeated), wait for the system task and report one result per job. The steps live in
 * src/import/; this runner puts them in order, records what each returns in the release journal
 * (src/import/journal.ts) and owns the run's temp directory. `--resume` is jobs-import-resume.ts.
 */
import { rm } from 'node:fs/promises';
import { makeRunTempDir } from '../util/run-temp-dir.js';
import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { normalizeTimeZone } from '../archive/timezone.js';
import { openSession, type Session } from '../api/session.js';
import { parseObsPath } from '../api/obs.js';
import { parseJobParams, parseParams } from '../import/params.js';
import { ImportRun, type ImportSettings } from '../import/run.js';
import { checkOutputsFirst, jobNamesAhead } from '../import/archive-read.js';
import { readArchiveAndOpen } from '../import/head-start.js';
import { planAgainstWorkspace, type WorkspaceRead } from '../import/planning.js';
import { stopRunningJobs } from '../import/stop.js';
import { importParts } from '../import/parts.js';
import { logPlan, printDryRun, printNoWait, printNothingToImport, printResult } from '../import/render.js';
import { rollbackTarget, saveRollback } from '../import/rollback.js';
import { mergeRestarts, restartStopped } from '../import/restart.js';
import { verifyImport } from '../import/verify.js';
import { ReadAhead } from '../import/read-ahead.js';
import { keepHeapNearLiveSize } from '../import/heap.js';
import { defaultJournalPath, ReleaseJournal, resumeCommand, undoCommand } from '../import/journal.js';
import { lockJournal, type JournalLock } from '../import/journal-lock.js';
import { beforeFingerprints, initialRecord } from '../import/release-record.js';
import { settleAfterFailure } from '../import/after-failure.js';
import { isFinished } from '../import/finished.js';
import { nothingToImport, refuseUnlessReady } from '../import/ready.js';
import { checkStagingBucket } from '../import/staging-check.js';
import { checkPlanStillHolds, digestArchiveForPlan } from '../import/saved-plan.js';
import { PLAN_FLAGS, type SavedPlan } from '../import/saved-plan-format.js';

export interface JobsImportOptions {
  /** Required (the command line makes it optional for --resume). */
  archive?: string;
  duplicatePolicy: 'skip' | 'overwrite';
  targetStatus?: 'saved' | 'submitted' | 'production';
  approver: string[];
  executeUser?: string;
  param: string[];
  jobParam: string[];
  expressionTimeZone?: string;
  obsPath?: string;
  stopRunning: boolean;
  dryRun: boolean;
  keepStaged: boolean;
  wait: boolean;
  timeout: number;
  env?: string;
  map: string[];
  /** --rollback PATH (string), --no-rollback (false), neither (undefined: default name). */
  rollback?: string | boolean;
  restart: boolean;
  verify: boolean;
  journal?: string;
  includeUnchanged?: boolean;
  /** --plan-out PATH (with --dry-run). */
  planOut?: string;
  /** The plan loaded from --plan PLAN (src/cli composes the options from it). */
  savedPlan?: SavedPlan;
}

/** Everything checked from the flags alone, before any file or the network is touched. */
function checkFlags(opts: JobsImportOptions, cwd: string): ImportSettings {
  if (opts.archive === undefined) {
    throw new UsageError('missing the ARCHIVE argument', { hint: 'Give the archive to import (dataarts jobs import ARCHIVE), or --resume JOURNAL to finish an interrupted release.' });
  }
  if (opts.planOut !== undefined && !opts.dryRun) throw new UsageError('--plan-out saves the plan of a dry run', { hint: 'Add --dry-run (then apply it with --plan PLAN).' });
  if (opts.stopRunning && !opts.wait && opts.restart !== false && !opts.dryRun) {
    // Jobs it stops can only be started again once the import has ended: never leave them stopped
    // without being asked to.
    throw new UsageError('--stop-running with --no-wait would leave the stopped jobs stopped: they are started again only after the import ends', {
      hint: 'Drop --no-wait (the jobs are started again after the import), or add --no-restart to leave them stopped on purpose.',
    });
  }
  return {
    // Relative to the working directory the command was given (the process's in real use).
    archive: resolve(cwd, opts.archive),
    policy: opts.duplicatePolicy === 'overwrite' ? 'OVERWRITE' : 'SKIP',
    ...(opts.expressionTimeZone === undefined ? {} : { timeZone: normalizeTimeZone(opts.expressionTimeZone) }),
    params: parseParams(opts.param),
    jobParams: parseJobParams(opts.jobParam),
    ...(opts.obsPath === undefined ? {} : { obsPath: parseObsPath(opts.obsPath) }),
    ...(opts.targetStatus === undefined ? {} : { targetStatus: opts.targetStatus.toUpperCase() as ImportSettings['targetStatus'] }),
    approvers: opts.approver,
    ...(opts.executeUser === undefined ? {} : { executeUser: opts.executeUser }),
    stopRunning: opts.stopRunning,
    dryRun: opts.dryRun,
    keepStaged: opts.keepStaged,
    wait: opts.wait,
    timeoutMs: opts.timeout * 1000,
    ...(opts.env === undefined ? {} : { env: opts.env }),
    map: opts.map,
    ...(typeof opts.rollback === 'string' || opts.rollback === false ? { rollback: opts.rollback } : {}),
    restart: opts.restart !== false,
    verify: opts.verify !== false,
    ...(opts.journal === undefined ? {} : { journal: resolve(cwd, opts.journal) }),
    includeUnchanged: opts.includeUnchanged === true,
    ...(opts.planOut === undefined ? {} : { planOut: resolve(cwd, opts.planOut) }),
    planOptions: Object.fromEntries(PLAN_FLAGS.map((f) => [f, opts[f]])),
    ...(opts.savedPlan ? { savedPlan: opts.savedPlan } : {}),
  };
}

/** `open` is the session to import with (`jobs undo` passes one bound to the release's workspace). */
export async function runJobsImport(ctx: CommandContext, opts: JobsImportOptions, open: (ctx: CommandContext) => Promise<Session> = openSession): Promise<number> {
  const settings = checkFlags(opts, ctx.deps.cwd);
  // A dry run ends with planning, whose live set only grows: V8's default pace costs less CPU there.
  // The flag is process-wide: set only when this run is the process (not a test's or a nested run).
  if (!settings.dryRun && ctx.deps.ownsProcess) keepHeapNearLiveSize();
  await checkOutputsFirst(ctx, settings);
  const ahead = await jobNamesAhead(settings);
  // TMPDIR from the run's environment (the process's in real use), so a caller can place temp files.
  // Named after this process: a later run removes it if this one is killed (SIGKILL).
  const workDir = await makeRunTempDir(ctx.deps.env.TMPDIR || tmpdir(), 'dataarts-import-work-');
  const releaseWorkDir = ctx.deps.cleanup.add(() => rm(workDir, { recursive: true, force: true }));
  try {
    const { archive, session, early } = await readArchiveAndOpen({ ctx, settings, open, workDir }, ahead);
    // The run holds the archive from here, and lets its bytes go once the parts are written.
    const run = new ImportRun({ ctx, settings, archive, session, workDir });
    const release: { journal?: ReleaseJournal; lock?: JournalLock } = {};
    try {
      return await importRun(run, release, early);
    } catch (err) {
      // Settle while the session is still open (run()'s cleanup would come after close()).
      if (release.journal) await settleAfterFailure(run, release.journal, err);
      throw err;
    } finally {
      await session.close();
      await release.lock?.release();
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
    releaseWorkDir();
  }
}

/** The steps in order; the runner records what each returns in the journal before the next. */
async function importRun(run: ImportRun, release: { journal?: ReleaseJournal; lock?: JournalLock }, early?: WorkspaceRead): Promise<number> {
  const { settings, ctx } = run;
  // A dry run's bucket check (one HEAD) goes while planning: its answer is awaited only after
  // the plan, so a refusal of the plan still comes first.
  const bucketChecked = settings.dryRun ? checkStagingBucket(run) : undefined;
  bucketChecked?.catch(() => undefined);
  if (settings.planOut !== undefined) digestArchiveForPlan(run);
  run.plan = await planAgainstWorkspace(run, early);
  if (settings.savedPlan) checkPlanStillHolds(run, settings.savedPlan);
  if (settings.dryRun) {
    await bucketChecked;
    return printDryRun(run);
  }
  // The parts to stage are written: the archive's bytes are not needed any more.
  run.releaseArchive();
  refuseUnlessReady(run);
  logPlan(run);
  if (nothingToImport(run)) return printNothingToImport(run);
  const rollback = await rollbackTarget(run);
  const journalPath = settings.journal ?? await defaultJournalPath(rollback ? dirname(rollback) : ctx.deps.cwd, run.workspace, ctx.deps.now());
  // Held while this process runs: a --resume or an undo started meanwhile is refused, not run beside it.
  release.lock = await lockJournal(journalPath, { now: ctx.deps.now, warn: (m) => ctx.ui.warn(m) });
  const journal = (release.journal = await ReleaseJournal.create(journalPath, await initialRecord(run, rollback), ctx.deps.now));
  ctx.ui.info(`Release journal: ${journal.path}\n  if interrupted, finish it: ${resumeCommand(journal.path)}\n  to undo it: ${undoCommand(journal.path)}`);
  if (rollback) {
    const saved = await saveRollback(run, rollback);
    await journal.update((r) => void (r.rollbackSecrets = saved.secrets));
  }
  const before = await beforeFingerprints(run, rollback);
  await journal.update((r) => {
    for (const job of r.jobs) if (before.has(job.name)) job.before = before.get(job.name)!;
  });
  await stopRunningJobs(run, (job) => journal.update((r) => void r.stopped.push(job)));
  const readAhead = settings.verify ? new ReadAhead() : undefined;
  const done = await importParts(run, journal, readAhead);
  if (done.kind === 'no-wait') {
    await journal.update((r) => void (r.interruption = '--no-wait'));
    return printNoWait(ctx, journal.record, { ...done, journal: journal.path });
  }
  const verified = await verifyImport(run, done, readAhead);
  // Jobs left alone as unchanged are part of the result (not of the task).
  for (const p of run.planned.jobs) if (p.action === 'unchanged') verified.outcomes.push({ name: p.name, result: 'unchanged', message: p.reason ?? '' });
  await journal.update((r) => Object.assign(r, verified));
  const restarts = await restartStopped({ ctx, dataarts: run.session.dataarts, workDir: run.workDir, timeoutMs: settings.timeoutMs, signal: ctx.deps.signal }, journal.record);
  await journal.update((r) => {
    r.restarts = mergeRestarts(r.restarts, restarts);
    if (isFinished(r)) r.state = 'done';
  });
  return printResult(ctx, journal.record, journal.path);
}
