/**
 * The workspace's scripts as a backup state records them: name → content hash, stored per run as a
 * delta against the run before (`sset` added or changed, `sdel` gone), like the job list. The v1
 * scripts list carries each script's whole body and no modification time (reference §20), so a
 * change is known only by comparing content: the hash of the script's definition as listed, keys
 * sorted (the service's key order is not a change), without the `id` (not part of a `.script` file).
 */
import { createHash } from 'node:crypto';
import type { RunRecord } from './state-file.js';

/** Script name → content hash. */
export type ScriptHashes = Map<string, string>;

/** 128 bits of sha256: a change detector, not a proof (the archives carry full sha256s). */
export function scriptHash(definition: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(withoutId(definition))).digest('hex').slice(0, 32);
}

/** The definition as a `.script` file holds it (the Create Script body: no service id). */
export function withoutId(definition: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, ...rest } = definition;
  return rest;
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Calls `visit(i, scripts)` with the complete script list at every run, oldest first. */
export function walkScriptLists(runs: RunRecord[], visit: (index: number, scripts: ScriptHashes) => void): void {
  const scripts: ScriptHashes = new Map();
  runs.forEach((r, i) => {
    for (const name of r.sdel ?? []) scripts.delete(name);
    const set = r.sset ?? {};
    for (const name in set) scripts.set(name, set[name]!);
    visit(i, scripts);
  });
}

/** The complete script list at run `index` (a fresh map). */
export function scriptListAt(runs: RunRecord[], index: number): ScriptHashes {
  let out: ScriptHashes = new Map();
  walkScriptLists(runs.slice(0, index + 1), (i, scripts) => {
    if (i === index) out = new Map(scripts);
  });
  return out;
}

/** The delta that turns `before` into `after`. */
export function scriptListDelta(before: ScriptHashes, after: ScriptHashes): Pick<RunRecord, 'sset' | 'sdel'> {
  const sset: Record<string, string> = {};
  const sdel: string[] = [];
  for (const [name, h] of after) if (before.get(name) !== h) sset[name] = h;
  for (const name of before.keys()) if (!after.has(name)) sdel.push(name);
  return { ...(Object.keys(sset).length ? { sset } : {}), ...(sdel.length ? { sdel } : {}) };
}
