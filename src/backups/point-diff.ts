/**
 * What changed between two restore points: jobs by their recorded lastUpdateTime, scripts by their
 * recorded content hash (both from the state alone), and with `--detail` the changed paths of each
 * changed job and script, read from the chains' archives and compared as `jobs diff` compares
 * (compare/definitions.ts: service-set fields and key order never count).
 */
import { compareJob, type Change, type Definitions } from '../compare/definitions.js';
import { diffJson } from '../compare/json-diff.js';
import { jobListAt, type ExportState } from './state-file.js';
import { composeRestore, type ChainAccess, type Composed } from './compose.js';
import { scriptListAt } from './script-list.js';

export interface ListDiff {
  added: string[];
  removed: string[];
  changed: string[];
}

function diffLists<T>(a: Map<string, T>, b: Map<string, T>): ListDiff {
  const added = [...b.keys()].filter((n) => !a.has(n)).sort();
  const removed = [...a.keys()].filter((n) => !b.has(n)).sort();
  const changed = [...b.keys()].filter((n) => a.has(n) && a.get(n) !== b.get(n)).sort();
  return { added, removed, changed };
}

export function diffPoints(state: ExportState, a: number, b: number): { jobs: ListDiff; scripts: ListDiff } {
  return {
    jobs: diffLists(jobListAt(state.runs, a), jobListAt(state.runs, b)),
    scripts: diffLists(scriptListAt(state.runs, a), scriptListAt(state.runs, b)),
  };
}

/** A composed point as definitions (jobs with the scripts their folders carry, scripts by name). */
function definitionsOfComposed(composed: Composed): Definitions {
  const jobs: Definitions['jobs'] = new Map();
  const folders = new Map<string, string[]>();
  for (const e of composed.entries) {
    const [, job, leaf] = e.name.split('/') as [string, string, string];
    if (leaf === `${job}.job`) jobs.set(job, { json: JSON.parse(e.data.toString('utf8')) as Record<string, unknown>, scripts: [], resources: [] });
    else if (leaf.endsWith('.script')) folders.set(job, [...(folders.get(job) ?? []), leaf.slice(0, -'.script'.length)]);
  }
  for (const [job, scripts] of folders) jobs.get(job)?.scripts.push(...scripts);
  const scripts = new Map([...composed.scripts].map(([name, data]) => [name, JSON.parse(data.toString('utf8')) as Record<string, unknown>]));
  return { jobs, scripts, resources: new Map() };
}

/** Changed paths of each changed job (its own fields only) and each changed script, `from` A `to` B. */
export async function detailChanges(
  access: ChainAccess,
  state: ExportState,
  points: { a: number; b: number; diff: { jobs: ListDiff; scripts: ListDiff } },
): Promise<{ jobs: Map<string, Change[]>; scripts: Map<string, Change[]> }> {
  const names = points.diff.jobs.changed;
  const before = definitionsOfComposed(await composeRestore(access, state, points.a, { jobs: names }));
  const after = definitionsOfComposed(await composeRestore(access, state, points.b, { jobs: names }));
  const jobs = new Map(names.map((n) => [n, compareJob(n, after, before, { companions: false }).changes]));
  const scripts = new Map(points.diff.scripts.changed.map((s) => [s, diffJson(before.scripts.get(s), after.scripts.get(s))]));
  return { jobs, scripts };
}
