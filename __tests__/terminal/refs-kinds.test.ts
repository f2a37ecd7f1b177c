/** `jobs refs` covers resources and every kind the contract lists. */
import { describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jobReferences } from '../../src/refs/inventory.js';
import { runCli } from '../helpers/cli.js';

const prop = (name: string, value: string) => ({ name, value });
const job = {
  name: 'every_kind',
  processType: 'BATCH',
  basicConfig: { agency: 'etl_agency', executeUser: 'etl_user' },
  schedule: { type: 'EVENT', event: { eventType: 'DIS', channel: 'clicks_stream' } },
  nodes: [
    { name: 'sql', type: 'DWSSQL', properties: [prop('scriptName', 'load_sql'), prop('connectionName', 'dws_main'), prop('database', 'sales')] },
    { name: 'dli', type: 'DLISQL', properties: [prop('queueName', 'etl_queue')] },
    { name: 'cdm', type: 'CDMJob', properties: [prop('clusterName', 'cdm_a'), prop('jobName', 'copy_orders')] },
    { name: 'mr', type: 'MapReduce', properties: [prop('clusterName', 'mrs_a')] },
    { name: 'spark', type: 'DLISpark', properties: [prop('resourceName', 'udf_jar')] },
    { name: 'ges', type: 'ImportGES', properties: [prop('graphName', 'social')] },
  ],
};

describe('jobs refs kinds', () => {
  test('resources (resourceName) and every kind of the contract are found', () => {
    const kinds = Object.fromEntries(jobReferences(job.name, job).map((r) => [r.kind, r.name]));
    expect(kinds).toEqual({
      agency: 'etl_agency',
      'execute-user': 'etl_user',
      'dis-stream': 'clicks_stream',
      script: 'load_sql',
      connection: 'dws_main',
      database: 'sales',
      queue: 'etl_queue',
      'cdm-cluster': 'cdm_a',
      'cdm-job': 'copy_orders',
      'mrs-cluster': 'mrs_a',
      resource: 'udf_jar',
      'ges-graph': 'social',
    });
  });

  test('jobs refs ARCHIVE lists the resource row', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'dataarts-refs-'));
    mkdirSync(path.join(root, 'jobs', 'every_kind'), { recursive: true });
    writeFileSync(path.join(root, 'jobs', 'every_kind', 'every_kind.job'), JSON.stringify(job));
    const r = await runCli(['jobs', 'refs', root, '--json']);
    expect(r.code).toBe(0);
    const refs = (JSON.parse(r.stdout) as { references: { kind: string; name: string; node?: string }[] }).references;
    expect(refs).toContainEqual(expect.objectContaining({ kind: 'resource', name: 'udf_jar', node: 'spark' }));
  });
});
