/**
 * Comparing job definitions, one job at a time with the scripts and resources it carries: what
 * `jobs diff` shows (archive vs workspace), what `jobs import --dry-run` counts per overwrite, and
 * what the import's read-back check verifies (staged vs workspace). One module, one rule: fields
 * the service sets by itself (src/api/service-inferred.ts SERVICE_SET_FIELDS) and key order never
 * count.
 */
import type { ArchiveFile, ArchiveModel } from '../archive/model.js';
import { parseJsonExact } from '../archive/json-exact.js';
import { SERVICE_SET_FIELDS } from '../api/service-inferred.js';
import { diffJson, type Change } from './json-diff.js';
import { maskSecrets } from './mask-secrets.js';

export type { Change } from './json-diff.js';

/** Jobs, scripts and resources by name, as parsed JSON. */
export interface Definitions {
  jobs: Map<string, { json: Record<string, unknown>; scripts: string[]; resources: string[] }>;
  scripts: Map<string, Record<string, unknown>>;
  resources: Map<string, Record<string, unknown>>;
}

export interface JobComparison {
  name: string;
  state: 'new' | 'changed' | 'same';
  changes: Change[];
}

const utf8 = new TextDecoder('utf-8');

/**
 * A file's JSON for comparison, every number kept as written (JsonNumber where a double cannot
 * hold it, json-exact.ts), read from the file's bytes: the model's own JSON is JSON.parse's, where
 * a 64-bit id is already rounded.
 */
function exactJson(file: Pick<ArchiveFile, 'data'>): Record<string, unknown> {
  return parseJsonExact(utf8.decode(file.data)) as Record<string, unknown>;
}

export function definitionsOf(model: Pick<ArchiveModel, 'jobs' | 'scripts' | 'resources'>): Definitions {
  return {
    jobs: new Map(model.jobs.map((j) => [j.name, { json: exactJson(j), scripts: j.scriptNames, resources: j.resourceNames }])),
    scripts: new Map(model.scripts.map((s) => [s.name, exactJson(s)])),
    resources: new Map(model.resources.map((r) => [r.name, exactJson(r)])),
  };
}

/** Merge several sets (parts of one import, batches of one export). */
export function mergeDefinitions(sets: Definitions[]): Definitions {
  const out: Definitions = { jobs: new Map(), scripts: new Map(), resources: new Map() };
  for (const s of sets) {
    for (const [k, v] of s.jobs) out.jobs.set(k, v);
    for (const [k, v] of s.scripts) out.scripts.set(k, v);
    for (const [k, v] of s.resources) out.resources.set(k, v);
  }
  return out;
}

/** A copy without the fields the service sets itself. */
export function withoutServiceFields(kind: keyof typeof SERVICE_SET_FIELDS, json: Record<string, unknown>): Record<string, unknown> {
  const ignored = new Set<string>(SERVICE_SET_FIELDS[kind]);
  return Object.fromEntries(Object.entries(json).filter(([k]) => !ignored.has(k)));
}

/**
 * `wanted` (the archive, or what was staged) against `current` (the workspace) for one job: the
 * job's own fields, then each script and resource the wanted job carries, under
 * `scripts[NAME].…` and `resources[NAME].…`. `from` is the workspace's value, `to` the wanted one.
 */
export function compareJob(name: string, wanted: Definitions, current: Definitions, options: { companions?: boolean } = {}): JobComparison {
  const want = wanted.jobs.get(name);
  if (!want) throw new Error(`compareJob: ${name} is not among the wanted jobs`);
  const have = current.jobs.get(name);
  if (!have) return { name, state: 'new', changes: [] };
  const changes = diffJson(withoutServiceFields('job', have.json), withoutServiceFields('job', want.json));
  // Every version compared: where the secrets to mask in the changes are found (mask-secrets.ts).
  const compared: unknown[] = [have.json, want.json];
  if (options.companions === false) return { name, state: changes.length > 0 ? 'changed' : 'same', changes: maskSecrets(changes, compared) };
  for (const s of want.scripts) {
    const w = wanted.scripts.get(s);
    if (!w) continue; // not carried: the workspace's copy is used as it is
    const h = current.scripts.get(s);
    compared.push(w, h);
    changes.push(...diffJson(h ? withoutServiceFields('script', h) : undefined, withoutServiceFields('script', w), `scripts[${s}]`));
  }
  for (const r of want.resources) {
    const w = wanted.resources.get(r);
    if (!w) continue;
    const h = current.resources.get(r);
    compared.push(w, h);
    changes.push(...diffJson(h ? withoutServiceFields('resource', h) : undefined, withoutServiceFields('resource', w), `resources[${r}]`));
  }
  return { name, state: changes.length > 0 ? 'changed' : 'same', changes: maskSecrets(changes, compared) };
}
