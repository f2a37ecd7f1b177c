/**
 * The job fingerprint the release journal keeps (issue 18): equal exactly when `compareJob` finds
 * no change in the job itself, so the restart rule's "staged or from before" agrees with `jobs diff`.
 */
import { describe, expect, test } from '@jest/globals';
import { jobFingerprint } from '../../src/compare/fingerprint.js';
import { compareJob, type Definitions } from '../../src/compare/definitions.js';

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
