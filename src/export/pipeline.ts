/**
 * The export pipeline shared by `jobs export` and `jobs export-workspace`: batches → checked,
 * unpacked staging tree → deterministic zip (or the tree itself) + manifest → atomic commit.
 * Everything is staged in a private directory beside the output and removed on any failure.
 */
import path from 'node:path';
import type { CommandContext } from '../context.js';
import type { JobSummary } from '../api/dataarts.js';
import { commitPath, createStagingDir } from '../util/atomic.js';
import { archiveOrder, fetchAndMerge, planBatches, type BatchExporter, type BatchSource } from './batches.js';
import { directoryOutput, zipOutput } from './archive-output.js';
import { buildJobList, manifestPathFor, writeManifestNamed, zipComment, type JobListItem } from './manifest.js';
import { LocalFileError } from '../errors.js';
import type { ExportCommonOptions } from './options.js';
import { DEFAULT_CONCURRENCY } from './batches.js';
import { SecretScanner, type SecretFinding } from '../secrets/scan.js';
import { applySecretsPolicy, type SecretsPolicy } from '../secrets/policy.js';

export interface ExportPlan {
  command: 'jobs export' | 'jobs export-workspace' | 'jobs import --rollback';
  /** Selected jobs (any order; batches are built from the sorted names). */
  jobs: JobSummary[];
  /** Absolute output path (zip file or directory). */
  output: string;
  layout: 'zip' | 'dir';
  force: boolean;
  exportDepend: boolean;
  exportStatus: 'DEVELOP' | 'SUBMIT';
  expressionTimeZone?: string;
  concurrency: number;
  workspace: string;
  /** What was asked for, recorded in the manifest. */
  selection: Record<string, unknown>;
  /**
   * Batches handed over while the job list is still being read (jobs-feed.ts); `jobs` is then
   * empty and `feed.jobs()` gives the selected jobs once the list is complete.
   */
  feed?: { batches: BatchSource; jobs: () => Promise<JobSummary[]>; expectedJobs: () => number };
  /** What to do with secrets found while writing (default: warn). */
  secrets?: SecretsPolicy;
  /** Files added to a job's folder (FetchOptions.extraEntries). */
  extraEntries?: { name: string; job: string; data: Buffer }[];
}

export interface ExportResult {
  path: string;
  layout: 'zip' | 'dir';
  workspace: string;
  jobs: number;
  scripts: number;
  resources: number;
  bytes: number;
  sha256: string;
  manifest: string;
  expressionTimeZoneChanges: number;
  jobList: JobListItem[];
  /** Secrets found in the archive and not accepted by the baseline (no values). */
  secrets: SecretFinding[];
  /** Findings the --secrets-baseline accepted. */
  secretsAccepted: number;
}

/** The parts of an ExportPlan that come straight from the flags both export commands share. */
export function commonPlanOptions(opts: ExportCommonOptions): Pick<ExportPlan, 'layout' | 'force' | 'exportDepend' | 'exportStatus' | 'concurrency'> {
  return {
    layout: opts.layout,
    force: opts.force,
    exportDepend: !opts.jobsOnly,
    exportStatus: opts.status === 'submit' ? 'SUBMIT' : 'DEVELOP',
    concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY,
  };
}

export async function exportToArchive(ctx: CommandContext, client: BatchExporter, plan: ExportPlan): Promise<ExportResult> {
  const { signal, cleanup } = ctx.deps;
  const names = archiveOrder(plan.jobs.map((j) => j.name));
  const expected = () => (plan.feed ? plan.feed.expectedJobs() : names.length);
  const manifestPath = manifestPathFor(plan.output);
  const staging = await createStagingDir(plan.output, cleanup);
  const progress = await ctx.ui.progress('Exporting jobs');
  const treeRoot = staging.path('tree');
  const builder =
    plan.layout === 'zip'
      ? zipOutput(staging.path('archive.zip'), () => zipComment(plan.command, plan.workspace, expected()))
      : directoryOutput(treeRoot);
  // Every entry is scanned on its way into the archive: no second read of the output.
  const scanner = new SecretScanner();
  const sink = { add: (name: string, data: Buffer) => { scanner.add(name, data); return builder.sink.add(name, data); } };
  try {
    progress.update(0, expected());
    const merged = await fetchAndMerge({ client, staging, sink }, plan.feed ? plan.feed.batches : planBatches(names), {
      exportDepend: plan.exportDepend,
      exportStatus: plan.exportStatus,
      expressionTimeZone: plan.expressionTimeZone,
      concurrency: plan.concurrency,
      ...(plan.extraEntries ? { extraEntries: plan.extraEntries } : {}),
      signal,
      onProgress: (done) => progress.update(done, expected()),
    });
    progress.stop();
    const jobs = plan.feed ? await plan.feed.jobs() : plan.jobs;
    // Judged before anything is committed: a refusal leaves nothing behind.
    const secrets = applySecretsPolicy(ctx.ui, scanner.findings(), plan.secrets ?? { failOnSecrets: false }, plan.output);
    const summary = await builder.finish(merged.entries);
    const jobList = buildJobList(merged.entries, new Map(jobs.map((j) => [j.name, j.jobType])));
    await writeManifestNamed(manifestPath, staging.path('manifest.json'), {
      command: plan.command,
      workspace: plan.workspace,
      layout: plan.layout,
      archiveName: path.basename(plan.output),
      selection: plan.selection,
      generatedAt: ctx.deps.now(),
      jobList,
      entries: merged.entries,
      bytes: summary.bytes,
      sha256: summary.sha256,
    });

    signal.throwIfAborted();
    await commitPath(plan.layout === 'zip' ? staging.path('archive.zip') : treeRoot, plan.output, { force: plan.force });
    await commitPath(staging.path('manifest.json'), manifestPath, { force: plan.force });
    return {
      path: plan.output,
      layout: plan.layout,
      workspace: plan.workspace,
      jobs: jobs.length,
      scripts: new Set(jobList.flatMap((j) => j.scripts)).size,
      resources: new Set(jobList.flatMap((j) => j.resources)).size,
      bytes: summary.bytes,
      sha256: summary.sha256,
      manifest: manifestPath,
      expressionTimeZoneChanges: merged.timeZoneChanges,
      jobList,
      secrets: secrets.reported,
      secretsAccepted: secrets.accepted,
    };
  } catch (err) {
    progress.stop();
    await builder.abort().catch(() => undefined);
    // A local write error (disk full while a batch is unpacked or the zip grows) is exit 7 naming
    // the path (the file's own, else the output's), never "a bug".
    const local = LocalFileError.from(err, 'write', plan.output);
    // A temporary file inside the staging directory is gone by the time the user reads the
    // message: name the output that could not be written instead (same reason).
    if (local instanceof LocalFileError && local.path.startsWith(staging.dir)) {
      throw new LocalFileError('write', plan.output, local.code ? { code: local.code } : local, { code: local.code });
    }
    throw local;
  } finally {
    await staging.dispose();
  }
}
