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
 *
 * Self-checking: each run line carries the sha256 of the line before it (`prev`), the file the
 * sha256 of its last line (`hash`); a removed, edited, reordered or cut-off record is refused
 * (exit 4) naming the first one that is wrong. Files written before the chain (no `prev`, no
 * `hash`) are accepted and chained by the next write.
 */
import { createHash } from 'node:crypto';
import { LocalFileError, RefusedError } from '../errors.js';
import type { Location } from './location.js';
import type { Repository } from './repository.js';

export const STATE_VERSION = 2;

export interface RunArchive {
  /** Relative to the state file's directory, or a full location (location.ts recordedLocation). */
  path: string;
  sha256: string;
  layout: 'zip' | 'dir';
  /** Jobs in the archive. */
  jobs: number;
  /** Size in bytes (a zip; recorded since the states chain their records). */
  bytes?: number;
  /** MD5 (hex) of an archive in OBS: its ETag, checked by a HEAD without a download. */
  md5?: string;
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
  /** Secrets the scan found in this run's archive (a count; values are never recorded). */
  secrets?: number;
}

export interface ScriptArchive {
  /** Relative to the state file's directory, or a full location, as RunArchive.path. */
  path: string;
  sha256: string;
  scripts: number;
  bytes?: number;
  /** MD5 (hex) of a capture in OBS (its ETag). */
  md5?: string;
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
  /** Read from a version-2 file written before states chained their records (accepted; the next write chains it). */
  unchained?: true;
}

/** A job list: name → lastUpdateTime (0 when the service gave none). */
export type JobTimes = Map<string, number>;

const bad = (file: string, why: string) =>
  new LocalFileError('read', file, `not a dataarts state file (${why})`, {
    hint: 'Fix it, or move it away (the next run then starts a new chain with a full export).',
  });

/** An edited, reordered or truncated state: refused (exit 4), naming the first record that is wrong. */
const tampered = (file: string, why: string) =>
  new RefusedError(`${file} was changed outside dataarts: ${why}`, [{ subject: file, reason: why }], {
    hint: 'Put back the file dataarts wrote (a copy, or your backup of it), or move it away: the next run then starts a new chain with a full export.',
  });

/** sha256 (hex) of a text. */
function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The state, or undefined when the file does not exist yet (first run: full export). */
export async function readState(repo: Repository, file: Location): Promise<ExportState | undefined> {
  const bytes = await repo.read(file);
  if (bytes === undefined) return undefined;
  return parseState(file, bytes.toString('utf8'));
}

/** Parse and check a state file's text (see readState). */
export function parseState(file: string, text: string): ExportState {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // A chained state cut short (a truncated copy, a half-written edit): name the first bad record.
    if (text.startsWith('{"version":2,') && text.includes('"prev":"')) throw tampered(file, firstUnreadableRecord(text));
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
  const runs = parsed.runs as (RunRecord & { prev?: unknown })[];
  const chained = typeof parsed.hash === 'string' || runs.some((r) => typeof r === 'object' && r !== null && 'prev' in r);
  runs.forEach((r, i) => {
    const problem = runProblem(r, i === 0);
    if (problem) throw (chained ? tampered : bad)(file, `run ${i + 1}: ${problem}`);
  });
  const failures = parsed.failures;
  if (failures !== undefined && (!Array.isArray(failures) || failures.some((f: FailedRun) => typeof f?.at !== 'string' || typeof f.exitCode !== 'number' || typeof f.message !== 'string'))) {
    throw (chained ? tampered : bad)(file, 'bad failures list');
  }
  if (chained) checkChain(file, { workspace: parsed.workspace, runs, failures: failures as FailedRun[] | undefined, hash: parsed.hash });
  // Records carry their chain only on disk.
  const plain = runs.map(({ prev: _prev, ...r }) => r as RunRecord);
  return {
    version: STATE_VERSION, workspace: parsed.workspace, runs: plain,
    ...(failures && (failures as FailedRun[]).length > 0 ? { failures: failures as FailedRun[] } : {}),
    ...(chained ? {} : { unchained: true }),
  };
}

/** The head line every chain starts from (binds the workspace to the runs). */
function headLine(workspace: string): string {
  return JSON.stringify({ version: STATE_VERSION, workspace });
}

/** Each run's `prev` must be the hash of the line before it, and the file's `hash` that of the last. */
function checkChain(file: string, doc: { workspace: string; runs: (RunRecord & { prev?: unknown })[]; failures?: FailedRun[]; hash: unknown }): void {
  let before = digest(headLine(doc.workspace));
  for (const [i, r] of doc.runs.entries()) {
    if (r.prev !== before) {
      throw tampered(file, `run ${i + 1} (started ${r.startedAt}) does not follow the record before it (edited, removed or reordered at or before it)`);
    }
    before = digest(JSON.stringify(r));
  }
  if (doc.hash !== fileHash(before, doc.failures)) {
    if (doc.failures?.length && doc.hash === before) throw tampered(file, 'its failed runs were edited');
    throw tampered(file, doc.runs.length === 0 ? 'its hash does not match (edited)' : `the records after run ${doc.runs.length} (started ${doc.runs[doc.runs.length - 1]!.startedAt}) were removed, or its hash was edited`);
  }
}

/**
 * The file's own hash: that of its last run line, and of the failed runs after it when there are
 * any (so `backups status` cannot be silenced by removing a failure by hand).
 */
function fileHash(lastLine: string, failures: FailedRun[] | undefined): string {
  return failures?.length ? digest(`${lastLine}\n${JSON.stringify(failures)}`) : lastLine;
}

/** For a chained file that is not JSON any more: the first run line that does not parse. */
function firstUnreadableRecord(text: string): string {
  const lines = text.split('\n').slice(1);
  for (const [i, line] of lines.entries()) {
    if (line.startsWith(']')) return `it ends after run ${i} in the middle of its last line`;
    try {
      JSON.parse(line.replace(/,$/, ''));
    } catch {
      return `run ${i + 1} is cut short or unreadable (the file was truncated or edited)`;
    }
  }
  return `it ends after run ${lines.length} without its closing hash (the file was truncated)`;
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
 * Compact JSON, one run a line (readable, diffable, small), each run carrying the hash of the line
 * before it (`prev`; the first: of the head), the file the hash of its last line (`hash`).
 */
export function serializeState(state: ExportState): string {
  const head = headLine(state.workspace);
  let before = digest(head);
  const lines = state.runs.map((r) => {
    const line = JSON.stringify({ ...r, prev: before });
    before = digest(line);
    return line;
  });
  const failures = state.failures?.length ? `,"failures":${JSON.stringify(state.failures)}` : '';
  return `${head.slice(0, -1)},"runs":[\n${lines.join(',\n')}\n]${failures},"hash":"${fileHash(before, state.failures)}"}\n`;
}

/** Written whole: a crash leaves the old state whole (repository.ts). */
export async function writeState(repo: Repository, file: Location, state: ExportState): Promise<void> {
  const { unchained: _u, ...rest } = state;
  await repo.write(file, serializeState(rest));
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
