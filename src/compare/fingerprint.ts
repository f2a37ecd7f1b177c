/**
 * A job definition's fingerprint: sha256 of a canonical text that is equal exactly when
 * compareJob (definitions.ts, job fields only) finds no change: fields the service sets itself
 * left out, keys sorted, and lists whose items all carry a distinct string `name` (nodes, params,
 * node properties) ordered by name, as json-diff matches them. The release journal keeps the
 * fingerprints of every job's version before the release and of its staged version, so a later
 * process can tell which of the two the workspace holds without keeping either.
 */
import { createHash } from 'node:crypto';
import { withoutServiceFields } from './definitions.js';
import { JsonNumber, numberKey } from '../archive/json-exact.js';

function canonical(value: unknown): unknown {
  // A number read exactly (json-exact.ts) by its decimal value, as compareJob compares it.
  if (value instanceof JsonNumber || typeof value === 'number') return { $number: numberKey(value) };
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    const names = items.map((i) => (i !== null && typeof i === 'object' && !Array.isArray(i) ? (i as Record<string, unknown>).name : undefined));
    const named = names.every((n) => typeof n === 'string') && new Set(names).size === names.length && items.length > 0;
    if (!named) return items;
    return items.map((item, i) => ({ item, name: names[i] as string })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((x) => x.item);
  }
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return Object.fromEntries(Object.keys(obj).sort().map((k) => [k, canonical(obj[k])]));
  }
  return value;
}

/**
 * `sha256:` + hex of the canonical text of a job, script or resource without the fields the
 * service sets itself: equal exactly when compareJob's diffJson finds no change between two of them.
 */
export function definitionFingerprint(kind: 'job' | 'script' | 'resource', json: Record<string, unknown>): string {
  const text = JSON.stringify(canonical(withoutServiceFields(kind, json)));
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** `sha256:` + hex of the job's canonical text. */
export function jobFingerprint(json: Record<string, unknown>): string {
  return definitionFingerprint('job', json);
}
