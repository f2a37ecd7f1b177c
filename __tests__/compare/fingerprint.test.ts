/**
 * The job fingerprint the release journal keeps (issue 18): equal exactly when `compareJob` finds
 * no change in the job itself, so the restart rule's "staged or from before" agrees with `jobs diff`.
 */
import { describe, expect, test } from '@jest/globals';
import { jobFingerprint } from '../../src/compare/fingerprint.js';
import { compareJob, withoutServiceFields, type Definitions } from '../../src/compare/definitions.js';
import { JsonNumber, numberKey } from '../../src/archive/json-exact.js';
import { createHash } from 'node:crypto';

const job = (json: Record<string, unknown>): Definitions => ({ jobs: new Map([['j', { json, scripts: [], resources: [] }]]), scripts: new Map(), resources: new Map() });

const base = {
  name: 'j',
  nodes: [
    { name: 'b', type: 'DLISQL', properties: [{ name: 'sql', value: 'select 1' }, { name: 'queue', value: 'q' }] },
    { name: 'a', type: 'Dummy', properties: [] },
  ],
  schedule: { type: 'CRON', cron: { expression: '0 0 * * * ?' } },
  params: [{ name: 'x', value: '1' }],
};

describe('jobFingerprint', () => {
  test.each([
    ['key order', { schedule: base.schedule, params: base.params, nodes: base.nodes, name: 'j' }],
    ['named list order (nodes, properties)', { ...base, nodes: [{ ...base.nodes[1]! }, { ...base.nodes[0]!, properties: [...base.nodes[0]!.properties].reverse() }] }],
    ['fields the service sets itself', { ...base, id: 42, version: 3, lastUpdateUser: 'bob', createTime: 1 }],
  ])('the same when only %s differ, as compareJob says', (_what, other) => {
    expect(compareJob('j', job(base), job(other), { companions: false }).state).toBe('same');
    expect(jobFingerprint(other)).toBe(jobFingerprint(base));
  });

  test.each([
    ['a node property', { ...base, nodes: [{ ...base.nodes[0]!, properties: [{ name: 'sql', value: 'select 2' }, base.nodes[0]!.properties[1]!] }, base.nodes[1]!] }],
    ['the description', { ...base, description: 'release 2' }],
    ['the order of an unnamed list', { ...base, tags: ['a', 'b'] }],
  ])('different when %s changes, as compareJob says', (_what, other) => {
    expect(compareJob('j', job(base), job(other), { companions: false }).state).toBe('changed');
    expect(jobFingerprint(other)).not.toBe(jobFingerprint(base));
  });
});

describe('the canonical text is written directly (no canonical copy), the same as before', () => {
  // The earlier form, kept here as the reference: JSON.stringify of a canonical copy.
  function canonical(value: unknown): unknown {
    if (value instanceof JsonNumber || typeof value === 'number') return { $number: numberKey(value as number) };
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
  const reference = (json: Record<string, unknown>) => `sha256:${createHash('sha256').update(JSON.stringify(canonical(withoutServiceFields('job', json)))).digest('hex')}`;

  test.each([
    ['the base job', base],
    ['index-like keys (V8 writes them first, numerically)', { name: 'j', b: 1, 10: 'x', 2: 'y', a: { 0: [], '01': 1, 4294967295: 2 } }],
    ['exact numbers, named and unnamed lists, nesting', { name: 'j', id: new JsonNumber('1129095060629108148'), x: new JsonNumber('1.0'), list: [{ name: 'b', v: 1 }, { name: 'a', v: [1, 2, { name: 3 }] }], dup: [{ name: 'a' }, { name: 'a' }], mixed: [{ name: 'a' }, 'b'], empty: [], o: {} }],
    ['strings that need escaping and "__proto__"', JSON.parse('{"name":"j","__proto__":{"q":"\\"\\u0001é"},"s":"line\\nnext"}') as Record<string, unknown>],
  ])('%s', (_what, json) => {
    expect(jobFingerprint(json as Record<string, unknown>)).toBe(reference(json as Record<string, unknown>));
  });
});
