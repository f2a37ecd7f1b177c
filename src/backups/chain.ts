/**
 * Backup chains over the runs of a state file: a run with cutoff 'full' starts a chain, and a run
 * is restorable from its chain's full archive plus every archive of the chain up to it. Retention
 * (retention.ts) keeps some runs as restore points and, with them, every run their chains need; older
 * runs leave the state (their job-list deltas folded into the first run kept) and only their
 * archives, which no kept point needs, may be deleted.
 */
import { jobListAt, type RunRecord } from './state-file.js';
import { scriptListAt } from './script-list.js';
import { applyRetention, type RetentionPolicy } from './retention.js';

/** Index of the full run that starts the chain of run `i`. */
export function chainStart(runs: RunRecord[], i: number): number {
  for (let j = i; j >= 0; j--) if (runs[j]!.cutoff === 'full') return j;
  throw new Error(`internal: run ${i} has no full run before it`);
}

/** Indices of the runs that are restore points, oldest first. */
export function restorePoints(runs: RunRecord[]): number[] {
  return runs.flatMap((r, i) => (r.point === false ? [] : [i]));
}

/** A file restoring a run reads: a run's job archive or its captured scripts. */
export interface ChainFile {
  run: number;
  kind: 'jobs' | 'scripts';
  /** As recorded (relative to the state file's directory, or a full location). */
  path: string;
  sha256: string;
  layout: 'zip' | 'dir';
  bytes?: number;
  md5?: string;
}

/** Every file restoring run `i` reads, oldest run first: job archives and script captures of its chain. */
export function filesNeededBy(runs: RunRecord[], i: number): ChainFile[] {
  const out: ChainFile[] = [];
  for (let j = chainStart(runs, i); j <= i; j++) {
    const r = runs[j]!;
    if (r.archive) out.push({ run: j, kind: 'jobs', ...r.archive });
    if (r.scriptArchive) out.push({ run: j, kind: 'scripts', ...r.scriptArchive, layout: 'zip' });
  }
  return out;
}

/** Whether the next run must start a new chain: no chain yet, or its full archive is older than fullEveryMs. */
export function needsNewChain(runs: RunRecord[], now: Date, fullEveryMs: number): boolean {
  if (runs.length === 0) return true;
  const full = runs[chainStart(runs, runs.length - 1)]!;
  return now.getTime() - Date.parse(full.startedAt) >= fullEveryMs;
}

/** What a retention policy did to the runs: the runs left, the runs dropped, and each point's decision. */
export interface Pruned {
  kept: RunRecord[];
  dropped: RunRecord[];
  /** One per restore point before pruning, oldest first: its run, whether kept, and why. */
  decisions: { run: RunRecord; keep: boolean; reasons: string[] }[];
}

/**
 * Apply a retention policy (undefined: keep every run): points no rule keeps stop being restore
 * points; the runs no kept point needs (older than the first kept point's chain) are dropped.
 * Runs inside a kept chain stay, as non-points, because a kept point reads their archives.
 */
export function pruneRuns(runs: RunRecord[], policy: RetentionPolicy | undefined): Pruned {
  const marked = runs.map((r) => ({ ...r }));
  const points = restorePoints(marked);
  const verdicts = applyRetention(points.map((i) => new Date(marked[i]!.startedAt)), policy);
  const decisions = verdicts.map((v) => ({ run: marked[points[v.index]!]!, keep: v.keep, reasons: v.reasons }));
  for (const v of verdicts) if (!v.keep) marked[points[v.index]!]!.point = false;
  const remaining = restorePoints(marked);
  if (remaining.length === 0) return { kept: marked, dropped: [], decisions };
  const first = chainStart(marked, remaining[0]!);
  if (first === 0) return { kept: marked, dropped: [], decisions };
  // The first run kept carries the whole job (and script) list from now on.
  const head = foldedHead(marked, first);
  return { kept: [head, ...marked.slice(first + 1)], dropped: marked.slice(0, first), decisions };
}

/** Restore point to use for `--at TIME`: the newest point that started at or before it. */
export function pointAt(runs: RunRecord[], at: number | undefined): number | undefined {
  const points = restorePoints(runs);
  if (at === undefined) return points[points.length - 1];
  let found: number | undefined;
  for (const i of points) if (Date.parse(runs[i]!.startedAt) <= at) found = i;
  return found;
}

/** Run `first` carrying the whole job and script lists (the runs before it are about to be dropped). */
function foldedHead(runs: RunRecord[], first: number): RunRecord {
  const jobs = jobListAt(runs, first);
  const scripts = scriptListAt(runs, first);
  const head: RunRecord = { ...runs[first]!, set: Object.fromEntries(jobs), sset: Object.fromEntries(scripts) };
  delete head.del;
  delete head.sdel;
  if (jobs.size === 0) delete head.set;
  if (scripts.size === 0) delete head.sset;
  return head;
}
