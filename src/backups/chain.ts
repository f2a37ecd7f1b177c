/**
 * Backup chains over the runs of a state file: a run with cutoff 'full' starts a chain, and a run
 * is restorable from its chain's full archive plus every archive of the chain up to it. `--keep N`
 * keeps the N newest runs as restore points and, with them, every run their chains need; older
 * runs leave the state (their job-list deltas folded into the first run kept) and only their
 * archives, which no kept point needs, may be deleted.
 */
import { jobListAt, type RunRecord } from './state-file.js';

/** Index of the full run that starts the chain of run `i`. */
export function chainStart(runs: RunRecord[], i: number): number {
  for (let j = i; j >= 0; j--) if (runs[j]!.cutoff === 'full') return j;
  throw new Error(`internal: run ${i} has no full run before it`);
}

/** Indices of the runs that are restore points, oldest first. */
export function restorePoints(runs: RunRecord[]): number[] {
  return runs.flatMap((r, i) => (r.point === false ? [] : [i]));
}

/** The runs (indices, oldest first) whose archives restoring run `i` reads: its chain up to it. */
export function runsNeededBy(runs: RunRecord[], i: number): number[] {
  const out: number[] = [];
  for (let j = chainStart(runs, i); j <= i; j++) if (runs[j]!.archive) out.push(j);
  return out;
}

/** Whether the next run must start a new chain: no chain yet, or its full archive is older than fullEveryMs. */
export function needsNewChain(runs: RunRecord[], now: Date, fullEveryMs: number): boolean {
  if (runs.length === 0) return true;
  const full = runs[chainStart(runs, runs.length - 1)]!;
  return now.getTime() - Date.parse(full.startedAt) >= fullEveryMs;
}

/**
 * Apply `--keep N` (undefined: keep every run): mark older runs as no longer restore points, drop
 * the runs no kept point needs. Returns the runs left and the runs dropped (whose archives are
 * unneeded).
 */
export function pruneRuns(runs: RunRecord[], keep: number | undefined): { kept: RunRecord[]; dropped: RunRecord[] } {
  const marked = runs.map((r) => ({ ...r }));
  const points = restorePoints(marked);
  if (keep !== undefined) {
    for (const i of points.slice(0, Math.max(0, points.length - keep))) marked[i]!.point = false;
  }
  const remaining = restorePoints(marked);
  if (remaining.length === 0) return { kept: marked, dropped: [] };
  const first = chainStart(marked, remaining[0]!);
  if (first === 0) return { kept: marked, dropped: [] };
  // The first run kept carries the whole job list from now on.
  const whole = jobListAt(marked, first);
  const head: RunRecord = { ...marked[first]!, set: Object.fromEntries(whole) };
  delete head.del;
  if (whole.size === 0) delete head.set;
  return { kept: [head, ...marked.slice(first + 1)], dropped: marked.slice(0, first) };
}

/** Restore point to use for `--at TIME`: the newest point that started at or before it. */
export function pointAt(runs: RunRecord[], at: number | undefined): number | undefined {
  const points = restorePoints(runs);
  if (at === undefined) return points[points.length - 1];
  let found: number | undefined;
  for (const i of points) if (Date.parse(runs[i]!.startedAt) <= at) found = i;
  return found;
}
