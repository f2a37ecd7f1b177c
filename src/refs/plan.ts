/**
 * The reference plan of an import: apply the environment map to the inventory, check what can be
 * checked against the target workspace, and say how each substitution reaches the service.
 *
 * (inferred) Every substitution is rewritten in the staged copy, including the kinds the import
 * API can rebind; those are also sent in the import call's `resources`. The staged archive then
 * says exactly what the checks checked (it is self-consistent whatever the service does with
 * `resources`), and the service's own rebinding, if it runs, finds nothing left to change.
 * Maps are applied once, not chained: with a→b and b→c, a becomes b.
 */
import { MAP_KINDS, type EnvironmentMap, type MapKind } from '../config/types.js';
import { inventoryYielding } from './inventory.js';
import { CHECKED_KINDS, REBIND_TYPES, connectionRebindType } from './kinds.js';
import { buildEntryRewriter, type PlannedEdit } from './rewrite.js';
import type { ImportResource, Reference, ReferenceKind, ReferencePlan, ReferenceProblem, ReferenceSource, Substitution } from './types.js';

export interface PlanInput {
  model: ReferenceSource;
  map: EnvironmentMap;
  /** The target workspace's connections; undefined when they could not be listed (then unchecked). */
  connections: { name: string; type?: string }[] | undefined;
}

function isMapKind(kind: ReferenceKind): kind is MapKind {
  return (MAP_KINDS as readonly string[]).includes(kind);
}

/** The name a reference has after mapping (itself when the map says nothing). */
function mappedName(map: EnvironmentMap, ref: Reference): string {
  if (!isMapKind(ref.kind)) return ref.name;
  const forKind = map[ref.kind];
  return forKind && Object.prototype.hasOwnProperty.call(forKind, ref.name) ? forKind[ref.name]! : ref.name;
}

function describeHolder(ref: Reference): string {
  if (ref.script !== undefined) return `script "${ref.script}"`;
  if (ref.node !== undefined) return `node "${ref.node}"`;
  return `field ${ref.field}`;
}

function describeTarget(ref: Reference, target: string): string {
  return target === ref.name ? `${ref.kind} "${target}"` : `${ref.kind} "${target}" (mapped from "${ref.name}")`;
}

function substitutionsOf(references: Reference[], map: EnvironmentMap): Substitution[] {
  const byKey = new Map<string, Substitution>();
  for (const ref of references) {
    if (!isMapKind(ref.kind)) continue;
    const to = mappedName(map, ref);
    if (to === ref.name) continue;
    const key = `${ref.kind}\u0000${ref.name}`;
    let sub = byKey.get(key);
    if (!sub) {
      const via = ref.kind === 'connection' || REBIND_TYPES[ref.kind] ? 'import-resources' : 'rewrite';
      sub = { kind: ref.kind, from: ref.name, to, via, where: [] };
      byKey.set(key, sub);
    }
    const where: Substitution['where'][number] = { entry: ref.entry ?? '' };
    if (ref.job !== undefined) where.job = ref.job;
    if (ref.node !== undefined) where.node = ref.node;
    if (ref.script !== undefined) where.script = ref.script;
    sub.where.push(where);
  }
  return [...byKey.values()].sort((a, b) => MAP_KINDS.indexOf(a.kind) - MAP_KINDS.indexOf(b.kind) || a.from.localeCompare(b.from));
}

function unusedMappingsOf(references: Reference[], map: EnvironmentMap): ReferencePlan['unusedMappings'] {
  const used = new Set(references.map((r) => `${r.kind}\u0000${r.name}`));
  const out: ReferencePlan['unusedMappings'] = [];
  for (const kind of MAP_KINDS) {
    for (const [from, to] of Object.entries(map[kind] ?? {})) {
      if (!used.has(`${kind}\u0000${from}`)) out.push({ kind, from, to });
    }
  }
  return out;
}

interface MissingConnections {
  problems: ReferenceProblem[];
  missing: ReferencePlan['missing'];
}

/** Connections missing from the target block the jobs (and scripts) that name them. */
function missingConnections(references: Reference[], map: EnvironmentMap, connections: { name: string }[]): MissingConnections {
  const existing = new Set(connections.map((c) => c.name));
  const problems: ReferenceProblem[] = [];
  const missing = new Map<string, ReferencePlan['missing'][number]>();
  const missingInScript = new Map<string, { target: string; text: string }[]>();
  const jobMisses = new Set<string>();
  const note = (ref: Reference, target: string, subject: string) => {
    const entry = missing.get(target) ?? { kind: 'connection' as const, name: target, mappedFrom: [], subjects: [] };
    if (target !== ref.name && !entry.mappedFrom.includes(ref.name)) entry.mappedFrom.push(ref.name);
    if (!entry.subjects.includes(subject)) entry.subjects.push(subject);
    missing.set(target, entry);
  };
  for (const ref of references) {
    if (ref.kind !== 'connection') continue;
    const target = mappedName(map, ref);
    if (existing.has(target)) continue;
    const reason = `${describeHolder(ref)} refers to ${describeTarget(ref, target)}, which is not in the target workspace`;
    if (ref.job !== undefined) {
      problems.push({ subject: ref.job, reason });
      jobMisses.add(`${ref.job}\u0000${target}`);
      note(ref, target, ref.job);
    } else if (ref.script !== undefined) {
      problems.push({ subject: ref.script, reason });
      const list = missingInScript.get(ref.script) ?? [];
      list.push({ target, text: describeTarget(ref, target) });
      missingInScript.set(ref.script, list);
      note(ref, target, ref.script);
    }
  }
  // A job whose node runs a script with a missing connection cannot run either: block it too,
  // unless the job already names that same connection itself (the usual SQL node: one reason is enough).
  for (const ref of references) {
    if (ref.kind !== 'script' || ref.job === undefined) continue;
    for (const { target, text } of missingInScript.get(ref.name) ?? []) {
      if (jobMisses.has(`${ref.job}\u0000${target}`)) continue;
      problems.push({ subject: ref.job, reason: `node "${ref.node}" runs script "${ref.name}", which refers to ${text}, not in the target workspace` });
      const entry = missing.get(target)!;
      if (!entry.subjects.includes(ref.job)) entry.subjects.push(ref.job);
    }
  }
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const key = `${p.subject}\u0000${p.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const list = [...missing.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const m of list) {
    m.mappedFrom.sort();
    m.subjects.sort();
  }
  return { problems: unique, missing: list };
}

function uncheckedOf(references: Reference[], map: EnvironmentMap, connectionsListed: boolean): ReferencePlan['unchecked'] {
  const names = new Map<Exclude<ReferenceKind, 'script' | 'resource'>, Set<string>>();
  for (const ref of references) {
    // Scripts and resources travel in the archive (or are the workspace's own): nothing to check.
    if (ref.kind === 'script' || ref.kind === 'resource') continue;
    if (CHECKED_KINDS.has(ref.kind) && connectionsListed) continue;
    const set = names.get(ref.kind) ?? new Set<string>();
    set.add(mappedName(map, ref));
    names.set(ref.kind, set);
  }
  const order: ReferenceKind[] = [...MAP_KINDS, 'kafka-topic'];
  return [...names.entries()]
    .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
    .map(([kind, set]) => ({ kind, names: [...set].sort() }));
}

function importResourcesOf(substitutions: Substitution[], connections: { name: string; type?: string }[] | undefined): ImportResource[] {
  const typeOf = new Map((connections ?? []).map((c) => [c.name, c.type]));
  const out: ImportResource[] = [];
  for (const sub of substitutions) {
    if (sub.via !== 'import-resources') continue;
    const type = sub.kind === 'connection' ? connectionRebindType(typeOf.get(sub.to)) : REBIND_TYPES[sub.kind]!;
    out.push({ name: sub.from, type, replace: sub.to });
  }
  return out;
}

function plannedEdits(references: Reference[], map: EnvironmentMap): PlannedEdit[] {
  const edits: PlannedEdit[] = [];
  for (const ref of references) {
    const to = mappedName(map, ref);
    if (ref.entry !== undefined && to !== ref.name) edits.push({ entry: ref.entry, field: ref.field, from: ref.name, to });
  }
  return edits;
}

export async function planReferences(input: PlanInput): Promise<ReferencePlan> {
  const { model, map, connections } = input;
  const references = await inventoryYielding(model);
  const substitutions = substitutionsOf(references, map);
  const checked = connections === undefined ? { problems: [], missing: [] } : missingConnections(references, map, connections);
  return {
    references,
    substitutions,
    blocked: checked.problems,
    missing: checked.missing,
    unchecked: uncheckedOf(references, map, connections !== undefined),
    importResources: importResourcesOf(substitutions, connections),
    unusedMappings: unusedMappingsOf(references, map),
    rewriteEntry: buildEntryRewriter(plannedEdits(references, map)),
  };
}
