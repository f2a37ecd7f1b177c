/**
 * Changed values are shown (`jobs diff`, the import's plan and its read-back check, in text, JSON
 * and the release journal), and a changed value can be a password. Every secret the secrets scan
 * finds (src/secrets/scan.ts: sensitive properties, masked parameters, secret-named fields,
 * credentials in strings and script lines) in either version of what is compared is replaced, in
 * the changes only, by MASK: the path still says what changed, the value is never shown. Whether
 * something changed is decided before masking, on the real values.
 */
import { JsonNumber } from '../archive/json-exact.js';
import { secretValuesIn } from '../secrets/scan.js';
import type { Change } from './json-diff.js';

export const MASK = '<secret: not shown>';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof JsonNumber);
}

/** `changes` with every secret found in `sources` (the compared versions) masked. */
export function maskSecrets(changes: Change[], sources: unknown[]): Change[] {
  if (changes.length === 0) return changes;
  // Longest first, so a secret that contains another is masked whole.
  const secrets = [...new Set(sources.flatMap((s) => (s === undefined ? [] : secretValuesIn(s))))].filter((v) => v !== '').sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return changes;
  const mask = (v: unknown): unknown => {
    if (typeof v === 'string') return secrets.reduce((text, secret) => text.split(secret).join(MASK), v);
    if (Array.isArray(v)) return v.map(mask);
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mask(x)]));
    return v;
  };
  return changes.map((c) => ({ path: c.path, ...('from' in c ? { from: mask(c.from) } : {}), ...('to' in c ? { to: mask(c.to) } : {}) }));
}
