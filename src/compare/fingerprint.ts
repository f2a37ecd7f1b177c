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

/** An array index as V8 orders it (own integer keys come first, ascending, in JSON.stringify). */
const INDEX_KEY = /^(?:0|[1-9]\d{0,9})$/;
const isIndexKey = (k: string) => INDEX_KEY.test(k) && Number(k) < 4294967295;

/** Keys in the order JSON.stringify wrote them for the object canonical form: sorted, index keys first. */
function canonicalKeys(obj: object): string[] {
  const keys = Object.keys(obj).sort();
  if (!keys.some(isIndexKey)) return keys;
  const index = keys.filter(isIndexKey).sort((a, b) => Number(a) - Number(b));
  return [...index, ...keys.filter((k) => !isIndexKey(k))];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof JsonNumber);
}

/**
 * The canonical text, written directly (no canonical copy of the definition is built): numbers as
 * `{"$number":KEY}` (their exact decimal value, as compareJob compares them), keys sorted, lists
 * whose items all carry a distinct string `name` ordered by name. The same text as the earlier
 * JSON.stringify of a canonical copy, so fingerprints kept in journals stay valid.
 */
function canonicalText(value: unknown): string {
  if (value instanceof JsonNumber || typeof value === 'number') return `{"$number":${JSON.stringify(numberKey(value))}}`;
  if (Array.isArray(value)) {
    const names = value.map((i) => (isPlainObject(i) ? i.name : undefined));
    const named = value.length > 0 && names.every((n) => typeof n === 'string') && new Set(names).size === names.length;
    const items = named ? value.map((item, i) => ({ item, name: names[i] as string })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((x) => x.item) : value;
    return `[${items.map(canonicalText).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${canonicalKeys(obj).map((k) => `${JSON.stringify(k)}:${canonicalText(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * `sha256:` + hex of the canonical text of a job, script or resource without the fields the
 * service sets itself: equal exactly when compareJob's diffJson finds no change between two of them.
 */
export function definitionFingerprint(kind: 'job' | 'script' | 'resource', json: Record<string, unknown>): string {
  const text = canonicalText(withoutServiceFields(kind, json));
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** `sha256:` + hex of the job's canonical text. */
export function jobFingerprint(json: Record<string, unknown>): string {
  return definitionFingerprint('job', json);
}
