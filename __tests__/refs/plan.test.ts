import { describe, expect, test } from '@jest/globals';
import { inventory, parseMapFlags, planReferences, resolveEnvironmentMap } from '../../src/refs/index.js';
import type { EnvironmentMap, ResolvedConfig } from '../../src/config/types.js';
import { ConfigError, UsageError } from '../../src/errors.js';
import { MAP_KINDS } from '../../src/config/types.js';
import { parseDataFile } from '../../src/config/file-access.js';
import { validateConfigFile } from '../../src/config/schema.js';
import { fileURLToPath } from 'node:url';
import { dailyLoadJob, devModel, loadSqlScript, streamInJob } from './fixtures.js';

const fullProdMap: EnvironmentMap = {
  connection: { dev_dws: 'prod_dws', dev_hive: 'prod_hive', dev_kafka: 'prod_kafka' },
  database: { dev_db: 'prod_db' },
  queue: { dev_queue: 'prod_queue' },
  'cdm-cluster': { dev_cdm: 'prod_cdm' },
  'cdm-job': { dev_cdm_job: 'prod_cdm_job' },
  'mrs-cluster': { dev_mrs: 'prod_mrs' },
  'dis-stream': { dev_stream: 'prod_stream' },
  'ges-graph': { dev_graph: 'prod_graph' },
  agency: { dev_agency: 'prod_agency' },
  'execute-user': { dev_user: 'prod_user' },
};

const prodConnections = [
  { name: 'prod_dws', type: 'DWS' },
  { name: 'prod_hive', type: 'HIVE' },
  { name: 'prod_kafka', type: 'HOST' },
];

describe('inventory', () => {
  test('finds every kind, where it sits, sorted by job, holder, kind, name', () => {
    const refs = inventory(devModel());
    const rows = refs.map((r) => [r.job ?? '-', r.node ?? r.script ?? '-', r.kind, r.name, r.field]);
    expect(rows).toEqual([
      ['daily_load', '-', 'agency', 'dev_agency', 'basicConfig.agency'],
      ['daily_load', '-', 'execute-user', 'dev_user', 'basicConfig.executeUser'],
      ['daily_load', 'load_dws', 'connection', 'dev_dws', 'nodes[0].properties[1].value'],
      ['daily_load', 'load_dws', 'database', 'dev_db', 'nodes[0].properties[2].value'],
      ['daily_load', 'load_dws', 'script', 'load_sql', 'nodes[0].properties[0].value'],
      ['daily_load', 'migrate', 'cdm-cluster', 'dev_cdm', 'nodes[2].properties[0].value'],
      ['daily_load', 'migrate', 'cdm-job', 'dev_cdm_job', 'nodes[2].properties[1].value'],
      ['daily_load', 'query_dli', 'database', 'dev_db', 'nodes[1].properties[2].value'],
      ['daily_load', 'query_dli', 'queue', 'dev_queue', 'nodes[1].properties[1].value'],
      ['daily_load', 'query_dli', 'script', 'dli_sql', 'nodes[1].properties[0].value'],
      ['daily_load', 'spark', 'mrs-cluster', 'dev_mrs', 'nodes[3].properties[0].value'],
      ['stream_in', '-', 'dis-stream', 'dev_stream', 'schedule.event.channel'],
      ['stream_in', 'graph', 'ges-graph', 'dev_graph', 'nodes[1].properties[0].value'],
      ['stream_in', 'hive', 'connection', 'dev_hive', 'nodes[0].properties[0].value'],
      ['stream_in', 'hive', 'connection', 'dev_kafka', 'nodes[0].eventTrigger.connectionName'],
      ['stream_in', 'hive', 'database', 'dev_db', 'nodes[0].properties[1].value'],
      ['stream_in', 'hive', 'kafka-topic', 'dev_topic', 'nodes[0].eventTrigger.topic'],
      ['-', 'dli_sql', 'database', 'dev_db', 'database'],
      ['-', 'dli_sql', 'queue', 'dev_queue', 'queueName'],
      ['-', 'load_sql', 'connection', 'dev_dws', 'connectionName'],
      ['-', 'load_sql', 'database', 'dev_db', 'database'],
    ]);
    // A non-reference property holding the same text is not a reference; an MRS node's jobName is a label.
    expect(refs.some((r) => r.name === 'spark_label')).toBe(false);
    expect(refs.filter((r) => r.name === 'dev_dws')).toHaveLength(2);
    expect(refs.find((r) => r.kind === 'agency')?.entry).toBe('jobs/daily_load/daily_load.job');
  });

  test('ignores what is not a definition and names an unnamed node by position', () => {
    expect(inventory({ jobs: [{ name: 'x', json: null }], scripts: [{ name: 's', json: [] }] })).toEqual([]);
    const refs = inventory({ jobs: [{ name: 'x', json: { nodes: [{ type: 'DWSSQL', properties: [{ name: 'connectionName', value: 'c' }, { name: 'database', value: '' }] }] } }], scripts: [] });
    expect(refs).toEqual([{ kind: 'connection', name: 'c', job: 'x', node: '#0', field: 'nodes[0].properties[0].value' }]);
  });
});

describe('parseMapFlags', () => {
  test('parses repeated KIND:OLD=NEW values into one map per kind', () => {
    expect(parseMapFlags(['connection:dev_dws=prod_dws', 'queue:q1=q2', 'cdm-job:a=b', 'connection:x=y'])).toEqual({
      connection: { dev_dws: 'prod_dws', x: 'y' },
      queue: { q1: 'q2' },
      'cdm-job': { a: 'b' },
    });
  });

  test.each([
    ['connection-dev=prod', /not of the form KIND:OLD=NEW/],
    ['connection:dev', /not of the form KIND:OLD=NEW/],
    ['connection:=prod', /not of the form KIND:OLD=NEW/],
    ['connection:dev=', /not of the form KIND:OLD=NEW/],
    ['connections:dev=prod', /unknown kind "connections"/],
    ['topic:a=b', /unknown kind "topic"/],
  ])('%s is a usage error naming the value', (flag, message) => {
    let caught: unknown;
    try {
      parseMapFlags([flag]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UsageError);
    const err = caught as UsageError;
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(`"${flag}"`);
    expect(err.message).toMatch(message);
    expect(err.hint).toContain('connection, database, queue, cdm-cluster, cdm-job, mrs-cluster, dis-stream, ges-graph, agency, execute-user');
  });

  test('the same KIND:OLD mapped two ways is refused', () => {
    expect(() => parseMapFlags(['queue:a=b', 'queue:a=c'])).toThrow(/maps queue "a" twice/);
    expect(parseMapFlags(['queue:a=b', 'queue:a=b'])).toEqual({ queue: { a: 'b' } });
  });
});

describe('resolveEnvironmentMap', () => {
  const config = {
    configFile: '/tmp/x/.dataartsrc.yaml',
    environments: { prod: { connection: { dev_dws: 'prod_dws', dev_hive: 'prod_hive' }, queue: { dev_queue: 'prod_queue' } }, test: {} },
  } as unknown as ResolvedConfig;

  test('the command line adds to the environment and wins', () => {
    expect(resolveEnvironmentMap(config, 'prod', ['connection:dev_dws=other_dws', 'agency:a=b'])).toEqual({
      connection: { dev_dws: 'other_dws', dev_hive: 'prod_hive' },
      queue: { dev_queue: 'prod_queue' },
      agency: { a: 'b' },
    });
    // The config's map is not modified by the merge.
    expect(config.environments.prod!.connection!.dev_dws).toBe('prod_dws');
  });

  test('without --env only the flags apply', () => {
    expect(resolveEnvironmentMap(config, undefined, ['queue:a=b'])).toEqual({ queue: { a: 'b' } });
  });

  test('.dataartsrc.example is valid and its environments.prod shows every kind', async () => {
    const file = fileURLToPath(new URL('../../.dataartsrc.example', import.meta.url));
    const config = validateConfigFile(await parseDataFile(file), file);
    expect(Object.keys(config.environments.prod!).sort()).toEqual([...MAP_KINDS].sort());
  });

  test('an unknown environment names the file and the available ones', () => {
    expect(() => resolveEnvironmentMap(config, 'staging', [])).toThrow(ConfigError);
    expect(() => resolveEnvironmentMap(config, 'staging', [])).toThrow('/tmp/x/.dataartsrc.yaml has no environments.staging (available: prod, test)');
    const noFile = { environments: {} } as unknown as ResolvedConfig;
    expect(() => resolveEnvironmentMap(noFile, 'prod', [])).toThrow(/no config file was found/);
  });
});

describe('planReferences', () => {
  test('a full map: substitutions, resources by type, nothing blocked, the rest unchecked', async () => {
    const plan = await planReferences({ model: devModel(), map: fullProdMap, connections: prodConnections });
    expect(plan.blocked).toEqual([]);
    expect(plan.missing).toEqual([]);
    expect(plan.unusedMappings).toEqual([]);
    expect(plan.substitutions.map((s) => [s.kind, s.from, s.to, s.via, s.where.length])).toEqual([
      ['connection', 'dev_dws', 'prod_dws', 'import-resources', 2],
      ['connection', 'dev_hive', 'prod_hive', 'import-resources', 1],
      ['connection', 'dev_kafka', 'prod_kafka', 'import-resources', 1],
      ['database', 'dev_db', 'prod_db', 'rewrite', 5],
      ['queue', 'dev_queue', 'prod_queue', 'rewrite', 2],
      ['cdm-cluster', 'dev_cdm', 'prod_cdm', 'import-resources', 1],
      ['cdm-job', 'dev_cdm_job', 'prod_cdm_job', 'rewrite', 1],
      ['mrs-cluster', 'dev_mrs', 'prod_mrs', 'import-resources', 1],
      ['dis-stream', 'dev_stream', 'prod_stream', 'import-resources', 1],
      ['ges-graph', 'dev_graph', 'prod_graph', 'import-resources', 1],
      ['agency', 'dev_agency', 'prod_agency', 'rewrite', 1],
      ['execute-user', 'dev_user', 'prod_user', 'rewrite', 1],
    ]);
    expect(plan.substitutions[0]!.where).toEqual([
      { job: 'daily_load', node: 'load_dws', entry: 'jobs/daily_load/daily_load.job' },
      { script: 'load_sql', entry: 'jobs/daily_load/load_sql.script' },
    ]);
    expect(plan.importResources).toEqual([
      { name: 'dev_dws', type: 'DWS_CONNECTION', replace: 'prod_dws' },
      { name: 'dev_hive', type: 'MRS_HIVE_CONNECTION', replace: 'prod_hive' },
      { name: 'dev_kafka', type: 'DWS_CONNECTION', replace: 'prod_kafka' },
      { name: 'dev_cdm', type: 'CDM_CLUSTER', replace: 'prod_cdm' },
      { name: 'dev_mrs', type: 'MRS_CLUSTER', replace: 'prod_mrs' },
      { name: 'dev_stream', type: 'DIS_STREAM', replace: 'prod_stream' },
      { name: 'dev_graph', type: 'GES_GRAPH', replace: 'prod_graph' },
    ]);
    expect(plan.unchecked).toEqual([
      { kind: 'database', names: ['prod_db'] },
      { kind: 'queue', names: ['prod_queue'] },
      { kind: 'cdm-cluster', names: ['prod_cdm'] },
      { kind: 'cdm-job', names: ['prod_cdm_job'] },
      { kind: 'mrs-cluster', names: ['prod_mrs'] },
      { kind: 'dis-stream', names: ['prod_stream'] },
      { kind: 'ges-graph', names: ['prod_graph'] },
      { kind: 'agency', names: ['prod_agency'] },
      { kind: 'execute-user', names: ['prod_user'] },
      { kind: 'kafka-topic', names: ['dev_topic'] },
    ]);
  });

  test('rewriteEntry changes exactly the planned strings and no other byte', async () => {
    const plan = await planReferences({ model: devModel(), map: fullProdMap, connections: prodConnections });
    const original = Buffer.from(dailyLoadJob);
    const rewritten = plan.rewriteEntry('jobs/daily_load/daily_load.job', original);
    expect(rewritten).not.toBe(original);
    expect(original.toString()).toBe(dailyLoadJob); // the caller's buffer is untouched
    // Same text with only the planned literals swapped, in place (big integer and 1.0 survive).
    const expected = dailyLoadJob
      .replace('"agency": "dev_agency"', '"agency": "prod_agency"')
      .replace('"executeUser": "dev_user"', '"executeUser": "prod_user"')
      .replace('"value": "dev_dws"', '"value": "prod_dws"') // first occurrence = connectionName, not the comment
      .replaceAll('"value": "dev_db"', '"value": "prod_db"')
      .replace('"value": "dev_queue"', '"value": "prod_queue"')
      .replace('"value": "dev_cdm"', '"value": "prod_cdm"')
      .replace('"value": "dev_cdm_job"', '"value": "prod_cdm_job"')
      .replace('"value": "dev_mrs"', '"value": "prod_mrs"');
    expect(rewritten.toString()).toBe(expected);
    expect(rewritten.toString()).toContain('1234567890123456789');
    expect(JSON.parse(rewritten.toString()).nodes[0].properties[3]).toEqual({ name: 'comment', value: 'dev_dws' });
    expect(JSON.parse(rewritten.toString()).description).toBe('loads dev_dws every night');

    const script = plan.rewriteEntry('jobs/daily_load/load_sql.script', Buffer.from(loadSqlScript));
    expect(JSON.parse(script.toString())).toMatchObject({ connectionName: 'prod_dws', database: 'prod_db', content: 'insert into t select * from s;' });
    const stream = JSON.parse(plan.rewriteEntry('jobs/stream_in/stream_in.job', Buffer.from(streamInJob)).toString());
    expect(stream.schedule.event.channel).toBe('prod_stream');
    expect(stream.nodes[0].eventTrigger).toEqual({ eventType: 'KAFKA', connectionName: 'prod_kafka', topic: 'dev_topic' });

    // Entries without references come back as the same buffer.
    const other = Buffer.from('{"name":"r"}');
    expect(plan.rewriteEntry('jobs/daily_load/r.resource', other)).toBe(other);
  });

  test('without a map every dev connection blocks the jobs and scripts that use it', async () => {
    const plan = await planReferences({ model: devModel(), map: {}, connections: prodConnections });
    expect(plan.substitutions).toEqual([]);
    expect(plan.importResources).toEqual([]);
    expect(plan.blocked).toEqual([
      { subject: 'daily_load', reason: 'node "load_dws" refers to connection "dev_dws", which is not in the target workspace' },
      { subject: 'stream_in', reason: 'node "hive" refers to connection "dev_hive", which is not in the target workspace' },
      { subject: 'stream_in', reason: 'node "hive" refers to connection "dev_kafka", which is not in the target workspace' },
      { subject: 'load_sql', reason: 'script "load_sql" refers to connection "dev_dws", which is not in the target workspace' },
    ]);
    expect(plan.missing).toEqual([
      { kind: 'connection', name: 'dev_dws', mappedFrom: [], subjects: ['daily_load', 'load_sql'] },
      { kind: 'connection', name: 'dev_hive', mappedFrom: [], subjects: ['stream_in'] },
      { kind: 'connection', name: 'dev_kafka', mappedFrom: [], subjects: ['stream_in'] },
    ]);
    const dev = Buffer.from(dailyLoadJob);
    expect(plan.rewriteEntry('jobs/daily_load/daily_load.job', dev)).toBe(dev);
  });

  test('a job whose node runs a script with a missing connection is blocked too', async () => {
    const model = {
      jobs: [{ name: 'j', json: { nodes: [{ name: 'n', type: 'DWSSQL', properties: [{ name: 'scriptName', value: 's' }] }] } }],
      scripts: [{ name: 's', json: { name: 's', connectionName: 'dev_dws' } }],
    };
    const plan = await planReferences({ model, map: {}, connections: prodConnections });
    expect(plan.blocked).toEqual([
      { subject: 's', reason: 'script "s" refers to connection "dev_dws", which is not in the target workspace' },
      { subject: 'j', reason: 'node "n" runs script "s", which refers to connection "dev_dws", not in the target workspace' },
    ]);
    expect(plan.missing).toEqual([{ kind: 'connection', name: 'dev_dws', mappedFrom: [], subjects: ['j', 's'] }]);
  });

  test('a mapped name that is missing too is reported with what it was mapped from', async () => {
    const plan = await planReferences({
      model: devModel(),
      map: { connection: { dev_dws: 'prod_dws', dev_hive: 'prod_hive', dev_kafka: 'typo_kafka' }, queue: { nowhere: 'x' } },
      connections: prodConnections,
    });
    expect(plan.blocked).toEqual([
      { subject: 'stream_in', reason: 'node "hive" refers to connection "typo_kafka" (mapped from "dev_kafka"), which is not in the target workspace' },
    ]);
    expect(plan.missing).toEqual([{ kind: 'connection', name: 'typo_kafka', mappedFrom: ['dev_kafka'], subjects: ['stream_in'] }]);
    expect(plan.unusedMappings).toEqual([{ kind: 'queue', from: 'nowhere', to: 'x' }]);
  });

  test('when the connections could not be listed, connections are unchecked rather than passed', async () => {
    const plan = await planReferences({ model: devModel(), map: {}, connections: undefined });
    expect(plan.blocked).toEqual([]);
    expect(plan.missing).toEqual([]);
    expect(plan.unchecked[0]).toEqual({ kind: 'connection', names: ['dev_dws', 'dev_hive', 'dev_kafka'] });
  });
});
