/**
 * What one `jobs export-workspace --state-file` run does with the chain: decide full or
 * incremental, pick the jobs the chain needs, then record the run and apply `--keep`.
 */
import { promises as fs } from 'node:fs';
import type { JobSummary } from '../api/dataarts.js';
import {
  STATE_VERSION, jobListAt, jobListDelta,
  type ExportState, type JobTimes, type RunArchive, type RunRecord,
} from './state-file.js';
import { manifestPathFor } from '../export/manifest.js';
import { RefusedError } from '../errors.js';
import { filesNeededBy, needsNewChain, pruneRuns, type Pruned } from './chain.js';
import type { RetentionPolicy } from './retention.js';
import { scriptListAt, scriptListDelta, type ScriptHashes } from './script-list.js';
import { storedArchiveProblem } from './archive-check.js';
import { isObsLocation, locationFromRecord, recordedLocation, type Location } from './location.js';
import type { Repository } from './repository.js';

export interface NightPlan {
  /** undefined: a full run (a new chain starts). */
  cutoff?: number;
  /** The job list of the run before (incremental runs of a chain). */
  previousJobs?: JobTimes;
}

/**
 * Archives of the current chain that are missing or damaged (present, size and sha256 as recorded;
 * in OBS size, ETag and the sha256 in the metadata, without a download): an increment on a broken
 * chain could never be restored, so the run then starts a new chain instead.
 */
export async function brokenChainArchives(repo: Repository, stateFile: Location, state: ExportState | undefined): Promise<{ location: Location; problem: string }[]> {
  const runs = state?.runs ?? [];
  if (runs.length === 0) return [];
  const broken: { location: Location; problem: string }[] = [];
  // Job archives and script captures alike: a restore of the chain reads both.
  for (const f of filesNeededBy(runs, runs.length - 1)) {
    const location = locationFromRecord(stateFile, f.path);
    const problem = await storedArchiveProblem(repo, location, f);
    if (problem) broken.push({ location, problem });
  }
  return broken;
}

/**
 * Refuse an output that is an archive the state still records: replacing it (`-o same.zip --force`
 * every night) would destroy a restore point's chain.
 */
export function refuseRecordedArchive(stateFile: Location, state: ExportState | undefined, output: Location): void {
  const run = state?.runs.find((r) => r.archive && locationFromRecord(stateFile, r.archive.path) === output);
  if (!run) return;
  throw new RefusedError(`${output} is the archive of the backup run of ${run.startedAt}, which ${stateFile} still needs; it was left untouched`, [{ subject: output, reason: 'an archive a restore point needs' }], {
    hint: 'Give each run its own archive: -o DIR/ (a default name per run inside DIR).',
  });
}

/**
 * Full when asked (--full), when there is no chain yet or its full archive is older than
 * --full-every; else incremental from the last run's start (or --since, if earlier).
 */
export function planNight(state: ExportState | undefined, options: { full: boolean; sinceMs?: number; fullEveryMs: number; now: Date }): NightPlan {
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
export function selectJobs(listed: JobSummary[], plan: NightPlan): JobSummary[] {
  return plan.cutoff === undefined ? listed : listed.filter(selectsChanged(plan));
}

/** The same choice for one job, so exports can start while the list is still read. */
export function selectsChanged(plan: NightPlan): (job: JobSummary) => boolean {
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
  plan: NightPlan;
  listed: JobSummary[];
  /** `secrets`: findings the scan reported in the archive (not their values; accepted ones not counted). */
  archive?: { path: Location; sha256: string; layout: 'zip' | 'dir'; jobs: number; bytes: number; md5?: string; secrets?: number };
  /** Tonight's script list (name → hash); undefined when the scripts were not listed. */
  scripts?: ScriptHashes;
  scriptArchive?: { path: Location; sha256: string; scripts: number; bytes: number; md5?: string };
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
  where: { stateFile: Location; workspace: string; retention: RetentionPolicy | undefined },
): { state: ExportState } & Pruned {
  const { stateFile, workspace, retention } = where;
  const runs = previous?.runs ?? [];
  // The first run stored carries the whole list; any other run a delta against the run before.
  const before: JobTimes = runs.length === 0 ? new Map() : run.plan.previousJobs ?? lastJobs(runs);
  const delta = jobListDelta(before, jobTimes(run.listed));
  const archive: RunArchive | null = run.archive
    ? { ...run.archive, path: recordedLocation(stateFile, run.archive.path), ...(run.archive.layout === 'zip' ? {} : { bytes: undefined }) }
    : null;
  const record: RunRecord = {
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt.toISOString(),
    cutoff: run.plan.cutoff === undefined ? 'full' : new Date(run.plan.cutoff).toISOString(),
    archive,
    // Counted only when there are some: a clean night's record stays as it was.
    ...(run.archive?.secrets ? { secrets: run.archive.secrets } : {}),
    ...delta,
    ...(run.scripts ? scriptListDelta(runs.length === 0 ? new Map() : lastScripts(previous), run.scripts) : {}),
    ...(run.scriptArchive ? { scriptArchive: { ...run.scriptArchive, path: recordedLocation(stateFile, run.scriptArchive.path) } } : {}),
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
export async function removeUnneededArchives(repo: Repository, where: { stateFile: Location; dropped: RunRecord[]; kept: RunRecord[] }): Promise<Location[]> {
  const { stateFile, dropped, kept } = where;
  const stillNamed = new Set(kept.flatMap((r) => (r.archive ? [locationFromRecord(stateFile, r.archive.path)] : [])));
  const removed: Location[] = [];
  for (const r of dropped) {
    if (r.scriptArchive) {
      const captured = locationFromRecord(stateFile, r.scriptArchive.path);
      if (isObsLocation(captured) ? await repo.head(captured) : await ownLocalOutput(captured, 'zip')) {
        await repo.remove(captured);
        removed.push(captured);
      }
    }
    if (!r.archive) continue;
    const file = locationFromRecord(stateFile, r.archive.path);
    if (stillNamed.has(file)) continue;
    if (isObsLocation(file) ? await repo.head(file) : await ownLocalOutput(file, r.archive.layout)) {
      await repo.remove(file);
      removed.push(file);
    }
    await repo.remove(manifestPathFor(file));
  }
  return removed;
}

/** What this tool would have written there: a regular zip file, or a directory tree. */
async function ownLocalOutput(file: string, layout: 'zip' | 'dir'): Promise<boolean> {
  const st = await fs.lstat(file).catch(() => undefined);
  return st !== undefined && (layout === 'dir' ? st.isDirectory() : st.isFile());
}
