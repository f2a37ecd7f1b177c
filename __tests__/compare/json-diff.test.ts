/** The comparison shared by `jobs diff` and the import's read-back check: paths a person reads. */
import { describe, expect, test } from '@jest/globals';
import { diffJson } from '../../src/compare/json-diff.js';
import { compareJob, type Definitions } from '../../src/compare/definitions.js';

describe('diffJson', () => {
  test('key order never counts; nodes match by name, properties read as .name', () => {
    const a = { name: 'j', nodes: [{ name: 'load', properties: [{ name: 'sql', value: 'select 1' }, { name: 'db', value: 'x' }] }, { name: 'other', type: 'A' }] };
    const b = { nodes: [{ name: 'other', type: 'A' }, { properties: [{ name: 'db', value: 'x' }, { name: 'sql', value: 'select 2' }], name: 'load' }], name: 'j' };
    expect(diffJson(a, b)).toEqual([{ path: 'nodes[load].properties.sql', from: 'select 1', to: 'select 2' }]);
    expect(diffJson(a, JSON.parse(JSON.stringify(a)))).toEqual([]);
  });

  test('added and removed paths; arrays without names compare by position', () => {
    expect(diffJson({ a: [1, 2], b: { c: 1 } }, { a: [1, 3, 4], d: true })).toEqual([
      { path: 'a[1]', from: 2, to: 3 },
      { path: 'a[2]', to: 4 },
      { path: 'b', from: { c: 1 } },
      { path: 'd', to: true },
    ]);
  });
});

describe('compareJob', () => {
  const defs = (description: string, lastUpdateTime: number, sql: string): Definitions => ({
    jobs: new Map([['j', { json: { name: 'j', description, lastUpdateTime, lockedBy: 'x' }, scripts: ['s'], resources: [] }]]),
    scripts: new Map([['s', { name: 's', content: sql, createTime: lastUpdateTime }]]),
    resources: new Map(),
  });
  test('fields the service sets itself are ignored; scripts the job carries are compared', () => {
    expect(compareJob('j', defs('d', 1, 'q'), defs('d', 2, 'q'))).toEqual({ name: 'j', state: 'same', changes: [] });
    expect(compareJob('j', defs('d', 1, 'q2'), defs('d', 2, 'q'))).toEqual({ name: 'j', state: 'changed', changes: [{ path: 'scripts[s].content', from: 'q', to: 'q2' }] });
    expect(compareJob('j', defs('d', 1, 'q'), { jobs: new Map(), scripts: new Map(), resources: new Map() }).state).toBe('new');
  });
});

describe('exact numbers and long strings (issue 17)', () => {
  test('numbers compare by decimal value, never through a double', async () => {
    const { parseJsonExact } = await import('../../src/archive/json-exact.js');
    const a = parseJsonExact('{"id": 1129095060629108148, "x": 1.0, "y": 1e2, "z": -0.50}');
    const b = parseJsonExact('{"id": 1129095060629108151, "x": 1, "y": 100, "z": -0.5}');
    expect(diffJson(a, b).map((c) => c.path)).toEqual(['id']);
    const { stringifyWithRaw } = await import('../../src/util/raw-json.js');
    expect(stringifyWithRaw(diffJson(a, b))).toBe('[{"path":"id","from":1129095060629108148,"to":1129095060629108151}]');
    // A string that looks like the marker stays a string.
    expect(stringifyWithRaw({ s: '\u0000raw-json-000000000000:1' })).toBe('{"s":"\\u0000raw-json-000000000000:1"}');
  });

  test('a long string changed at its end shows the change; unified diff hunks', async () => {
    const { changeText, unifiedDiff } = await import('../../src/compare/show-change.js');
    const base = `-- seeded script ${'x'.repeat(300)}`;
    const text = changeText({ path: 'p', from: `${base}WHERE a`, to: `${base}WHERE b` });
    expect(text).toContain('WHERE a');
    expect(text).toContain('WHERE b');
    expect(text.length).toBeLessThan(200);
    const from = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    const to = from.replace('line 10', 'line ten');
    expect(unifiedDiff(from, to, { fromLabel: 'a', toLabel: 'b' })).toEqual(['--- a', '+++ b', '@@ -8,7 +8,7 @@', ' line 7', ' line 8', ' line 9', '-line 10', '+line ten', ' line 11', ' line 12', ' line 13']);
  });
});
