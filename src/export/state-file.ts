/**
 * The `--state-file` of `jobs export-workspace` (format version 2): every run of the backup
 * chains, oldest first, so any kept run can be restored and the next run knows where to continue.
 *
 * A run records its start time (the next run's cutoff: jobs changed while it ran are exported again
 * rather than missed), its cutoff ('full' starts a chain), its archive (path relative to the state
 * file's directory, sha256, layout) or null, and the workspace's complete job list with each job's
 * lastUpdateTime. The job list is stored as a delta against the run before it (`set`: added or
 * changed jobs → lastUpdateTime; `del`: removed names); the first run stored holds the whole list.
 * That keeps a year of nightly runs of 10,000 jobs well under 1 MB (measured by a test).
 *
 * Version 1 files (one record of the last run, no job list) are read as a state with no runs: the
 * next run starts a new chain with a full archive, since nothing before it can be restored.
 * Written atomically, and only after the run's archive is safely in place.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { CleanupRegistry } from '../context.js';
import { LocalFileError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';

export const STATE_VERSION = 2;

export interface RunArchive {
  /** Relative to the state file's directory (absolute if on another drive). */
  path: string;
  sha256: string;
  layout: 'zip' | 'dir';
  /** Jobs in the archive. */
  jobs: number;
}

export interface RunRecord {
  startedAt: string;
  finishedAt: string;
  /** 'full' (a chain starts here) or the ISO cutoff of an incremental run. */
  cutoff: string;
  archive: RunArchive | null;
  /** false once `--keep` dropped it as a restore point (kept only because a later point needs its archive). */
  point?: false;
  /** Jobs added or changed since the run before (the first run stored: every job) → lastUpdateTime (0 = unknown). */
  set?: Record<string, number>;
  /** Jobs gone since the run before. */
  del?: string[];
  /** Scripts added or changed since the run before (the first run stored: every script) → content hash (backups/script-list.ts). */
  sset?: Record<string, string>;
  /** Scripts gone since the run before. */
  sdel?: string[];
  /** The scripts this run captured (added or changed ones; all on a full run): a single-layout zip beside the archive. */
  scriptArchive?: ScriptArchive;
}

export interface ScriptArchive {
  /** Relative to the state file's directory, as RunArchive.path. */
  path: string;
  sha256: string;
  scripts: number;
}

/** A run that failed: when, how it ended, and the message (never a secret: messages name no credential). */
export interface FailedRun {
  at: string;
  exitCode: number;
  message: string;
}

export interface ExportState {
  version: typeof STATE_VERSION;
  workspace: string;
  runs: RunRecord[];
  /** Runs that failed since the last successful one, oldest first (a success clears them; at most 20 kept). */
  failures?: FailedRun[];
  /** Read from a version-1 file: what it said about its last run (nothing to restore from). */
  legacy?: { lastExportStartedAt: string; lastArchive?: string };
}

/** A job list: name → lastUpdateTime (0 when the service gave none). */
export type JobTimes = Map<string, number>;

const bad = (file: string, why: string) =>
  new LocalFileError('read', file, `not a dataarts state file (${why})`, {
    hint: 'Fix it, or move it away (the next run then starts a new chain with a full export).',
  });

/** The state, or undefined when the file does not exist yet (first run: full export). */
export async function readState(file: string): Promise<ExportState | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LocalFileError('read', file, err);
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw bad(file, 'invalid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw bad(file, 'not a JSON object');
  if (typeof parsed.workspace !== 'string') throw bad(file, 'no workspace');
  if (parsed.version === 1) {
    const started = parsed.lastExportStartedAt;
    if (typeof started !== 'string' || Number.isNaN(Date.parse(started))) throw bad(file, 'version 1 without lastExportStartedAt');
    const lastArchive = typeof parsed.lastArchive === 'string' ? parsed.lastArchive : undefined;
    return { version: STATE_VERSION, workspace: parsed.workspace, runs: [], legacy: { lastExportStartedAt: started, ...(lastArchive ? { lastArchive } : {}) } };
  }
  if (parsed.version !== STATE_VERSION) throw bad(file, `version ${JSON.stringify(parsed.version)}; this dataarts reads versions 1 and 2`);
  if (!Array.isArray(parsed.runs)) throw bad(file, 'no runs list');
  const runs = parsed.runs as RunRecord[];
  runs.forEach((r, i) => {
    const problem = runProblem(r, i === 0);
    if (problem) throw bad(file, `run ${i + 1}: ${problem}`);
  });
  const failures = parsed.failures;
  if (failures !== undefined && (!Array.isArray(failures) || failures.some((f: FailedRun) => typeof f?.at !== 'string' || typeof f.exitCode !== 'number' || typeof f.message !== 'string'))) {
    throw bad(file, 'bad failures list');
  }
  return { version: STATE_VERSION, workspace: parsed.workspace, runs, ...(failures && failures.length > 0 ? { failures: failures as FailedRun[] } : {}) };
}

function runProblem(r: RunRecord, first: boolean): string | undefined {
  if (typeof r !== 'object' || r === null) return 'not an object';
  if (typeof r.startedAt !== 'string' || Number.isNaN(Date.parse(r.startedAt))) return 'bad startedAt';
  if (typeof r.cutoff !== 'string') return 'bad cutoff';
  if (first && r.cutoff !== 'full') return 'the first run kept must be a full one';
  if (r.archive !== null && (typeof r.archive !== 'object' || typeof r.archive.path !== 'string' || typeof r.archive.sha256 !== 'string')) return 'bad archive';
  if (r.set !== undefined && (typeof r.set !== 'object' || r.set === null)) return 'bad set';
  if (r.del !== undefined && !Array.isArray(r.del)) return 'bad del';
  if (r.sset !== undefined && (typeof r.sset !== 'object' || r.sset === null)) return 'bad sset';
  if (r.sdel !== undefined && !Array.isArray(r.sdel)) return 'bad sdel';
  if (r.scriptArchive !== undefined && (typeof r.scriptArchive?.path !== 'string' || typeof r.scriptArchive.sha256 !== 'string')) return 'bad scriptArchive';
  return undefined;
}

/**
 * Compact JSON, one run a line (readable, diffable, small). Written atomically: a crash leaves the
 * old state whole.
 */
export function serializeState(state: ExportState): string {
  const head = JSON.stringify({ version: state.version, workspace: state.workspace, ...(state.failures?.length ? { failures: state.failures } : {}) });
  const runs = state.runs.map((r) => JSON.stringify(r)).join(',\n');
  return `${head.slice(0, -1)},"runs":[\n${runs}\n]}\n`;
}

export async function writeState(file: string, state: ExportState, cleanup: CleanupRegistry): Promise<void> {
  try {
    await writeFileAtomic(file, serializeState(state), { force: true, cleanup });
  } catch (err) {
    throw LocalFileError.from(err, 'write', file);
  }
}

/** Calls `visit(i, jobs)` with the complete job list at every run, oldest first (one pass over the deltas). */
export function walkJobLists(runs: RunRecord[], visit: (index: number, jobs: JobTimes) => void): void {
  const jobs: JobTimes = new Map();
  runs.forEach((r, i) => {
    for (const name of r.del ?? []) jobs.delete(name);
    const set = r.set ?? {};
    for (const name in set) jobs.set(name, set[name]!);
    visit(i, jobs);
  });
}

/** The complete job list at run `index`. */
export function jobListAt(runs: RunRecord[], index: number): JobTimes {
  let out: JobTimes = new Map();
  // The walk stops at `index`, so the map it built is no longer changed: no copy needed.
  walkJobLists(runs.slice(0, index + 1), (i, jobs) => {
    if (i === index) out = jobs;
  });
  return out;
}

/** The delta that turns `before` into `after`. */
export function jobListDelta(before: JobTimes, after: JobTimes): Pick<RunRecord, 'set' | 'del'> {
  const set: Record<string, number> = {};
  const del: string[] = [];
  for (const [name, t] of after) if (before.get(name) !== t) set[name] = t;
  for (const name of before.keys()) if (!after.has(name)) del.push(name);
  return { ...(Object.keys(set).length ? { set } : {}), ...(del.length ? { del } : {}) };
}

/** Record a path relative to the state file's directory (so a backup folder can be moved with its state). */
export function archivePathForState(stateFile: string, archive: string): string {
  const rel = path.relative(path.dirname(stateFile), archive);
  return path.isAbsolute(rel) ? archive : rel.split(path.sep).join('/');
}

/** The absolute path of a recorded archive. */
export function archivePathFromState(stateFile: string, recorded: string): string {
  return path.resolve(path.dirname(stateFile), recorded);
}
