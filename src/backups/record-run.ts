/**
 * What one `jobs export-workspace --state-file` run does with the chain: decide full or
 * incremental, pick the jobs the chain needs, then record the run and apply `--keep`.
 */
import { promises as fs } from 'node:fs';
import type { JobSummary } from '../api/dataarts.js';
import {
  STATE_VERSION, archivePathForState, archivePathFromState, jobListAt, jobListDelta,
  type ExportState, type JobTimes, type RunArchive, type RunRecord,
} from '../export/state-file.js';
import { manifestPathFor } from '../export/manifest.js';
import { RefusedError } from '../errors.js';
import { filesNeededBy, needsNewChain, pruneRuns, type Pruned } from './chain.js';
import type { RetentionPolicy } from './retention.js';
import { scriptListAt, scriptListDelta, type ScriptHashes } from './script-list.js';

export interface RunPlan {
  /** undefined: a full run (a new chain starts). */
  cutoff?: number;
  /** The job list of the run before (incremental runs of a chain). */
  previousJobs?: JobTimes;
}

/**
 * Archives of the current chain that are no longer there (presence only, cheap): an increment on a
 * broken chain could never be restored, so the run then starts a new chain instead.
 */
export async function missingChainArchives(stateFile: string, state: ExportState | undefined): Promise<string[]> {
  const runs = state?.runs ?? [];
  if (runs.length === 0) return [];
  const missing: string[] = [];
  for (const f of filesNeededBy(runs, runs.length - 1)) {
    const file = archivePathFromState(stateFile, f.path);
    if (!(await fs.stat(file).then(() => true, () => false))) missing.push(file);
  }
  return missing;
}

/**
 * Refuse an output that is an archive the state still records: replacing it (`-o same.zip --force`
 * every night) would destroy a restore point's chain.
 */
export function refuseRecordedArchive(stateFile: string, state: ExportState | undefined, output: string): void {
  const run = state?.runs.find((r) => r.archive && archivePathFromState(stateFile, r.archive.path) === output);
  if (!run) return;
  throw new RefusedError(`${output} is the archive of the backup run of ${run.startedAt}, which ${stateFile} still needs; it was left untouched`, [{ subject: output, reason: 'an archive a restore point needs' }], {
    hint: 'Give each run its own archive: -o DIR/ (a default name per run inside DIR).',
  });
}

/**
 * Full when asked (--full), when there is no chain yet or its full archive is older than
 * --full-every; else incremental from the last run's start (or --since, if earlier).
 */
export function planRun(state: ExportState | undefined, options: { full: boolean; sinceMs?: number; fullEveryMs: number; now: Date }): RunPlan {
  const runs = state?.runs ?? [];
  if (options.full || needsNewChain(runs, options.now, options.fullEveryMs)) return {};
  const last = runs[runs.length - 1]!;
  const lastStart = Date.parse(last.startedAt);
  const previousJobs = jobListAt(runs, runs.length - 1);
  return { cutoff: options.sinceMs === undefined ? lastStart : Math.min(options.sinceMs, lastStart), previousJobs };
}

/**
 * Jobs to export: changed at or after the cutoff (a job without lastUpdateTime always counts),
 * and, in a chain, every job new to the list or whose lastUpdateTime moved since the run before
 * (so a restore never lacks a job, whatever its timestamp says).
 */
export function selectJobs(listed: JobSummary[], plan: RunPlan): JobSummary[] {
  return plan.cutoff === undefined ? listed : listed.filter(selectsChanged(plan));
}

/** The same choice for one job, so exports can start while the list is still read. */
export function selectsChanged(plan: RunPlan): (job: JobSummary) => boolean {
  const cutoff = plan.cutoff;
  if (cutoff === undefined) return () => true;
  const before = plan.previousJobs;
  return (j) => j.lastUpdateTime === undefined || j.lastUpdateTime >= cutoff || (before !== undefined && before.get(j.name) !== j.lastUpdateTime);
}

export function jobTimes(listed: JobSummary[]): JobTimes {
  return new Map(listed.map((j) => [j.name, j.lastUpdateTime ?? 0]));
}

export interface NewRun {
  startedAt: Date;
  finishedAt: Date;
  plan: RunPlan;
  listed: JobSummary[];
  archive?: { path: string; sha256: string; layout: 'zip' | 'dir'; jobs: number };
  /** Tonight's script list (name → hash); undefined when the scripts were not listed. */
  scripts?: ScriptHashes;
  scriptArchive?: { path: string; sha256: string; scripts: number };
}

/** The script list at the last run recorded (empty for a first run or a state older than script capture). */
export function lastScripts(state: ExportState | undefined): ScriptHashes {
  const runs = state?.runs ?? [];
  return runs.length === 0 ? new Map() : scriptListAt(runs, runs.length - 1);
}

/** The state with this run appended and the retention policy applied, the runs it dropped and why. */
export function recordRun(
  previous: ExportState | undefined,
  run: NewRun,
  where: { stateFile: string; workspace: string; retention: RetentionPolicy | undefined },
): { state: ExportState } & Pruned {
  const { stateFile, workspace, retention } = where;
  const runs = previous?.runs ?? [];
  // The first run stored carries the whole list; any other run a delta against the run before.
  const before: JobTimes = runs.length === 0 ? new Map() : run.plan.previousJobs ?? lastJobs(runs);
  const delta = jobListDelta(before, jobTimes(run.listed));
  const archive: RunArchive | null = run.archive
    ? { path: archivePathForState(stateFile, run.archive.path), sha256: run.archive.sha256, layout: run.archive.layout, jobs: run.archive.jobs }
    : null;
  const record: RunRecord = {
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt.toISOString(),
    cutoff: run.plan.cutoff === undefined ? 'full' : new Date(run.plan.cutoff).toISOString(),
    archive,
    ...delta,
    ...(run.scripts ? scriptListDelta(runs.length === 0 ? new Map() : lastScripts(previous), run.scripts) : {}),
    ...(run.scriptArchive ? { scriptArchive: { ...run.scriptArchive, path: archivePathForState(stateFile, run.scriptArchive.path) } } : {}),
  };
  const pruned = pruneRuns([...runs, record], retention);
  // A successful run clears the failures before it (`backups status` reports the last run).
  return { state: { version: STATE_VERSION, workspace, runs: pruned.kept }, ...pruned };
}

function lastJobs(runs: RunRecord[]): JobTimes {
  return jobListAt(runs, runs.length - 1);
}

/** The job list at the last run recorded (empty for a first run). */
export function lastJobList(state: ExportState | undefined): JobTimes {
  const runs = state?.runs ?? [];
  return runs.length === 0 ? new Map() : lastJobs(runs);
}

/**
 * Delete the archives (and their manifests) of runs no kept restore point needs. Only archives the
 * state recorded as written by this tool, never one a kept run also names.
 */
export async function removeUnneededArchives(stateFile: string, dropped: RunRecord[], kept: RunRecord[]): Promise<string[]> {
  const stillNamed = new Set(kept.flatMap((r) => (r.archive ? [archivePathFromState(stateFile, r.archive.path)] : [])));
  const removed: string[] = [];
  for (const r of dropped) {
    if (r.scriptArchive) {
      const file = archivePathFromState(stateFile, r.scriptArchive.path);
      if (await fs.lstat(file).then((st) => st.isFile(), () => false)) {
        await fs.rm(file, { force: true });
        removed.push(file);
      }
    }
    if (!r.archive) continue;
    const file = archivePathFromState(stateFile, r.archive.path);
    if (stillNamed.has(file)) continue;
    const st = await fs.lstat(file).catch(() => undefined);
    if (st && (r.archive.layout === 'dir' ? st.isDirectory() : st.isFile())) {
      await fs.rm(file, { recursive: r.archive.layout === 'dir', force: true });
      removed.push(file);
    }
    await fs.rm(manifestPathFor(file), { force: true });
  }
  return removed;
}
