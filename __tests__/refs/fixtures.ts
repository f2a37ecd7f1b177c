/**
 * Dev-environment jobs and scripts that name something of every reference kind, as text in the
 * layout a console export uses (two-space JSON, a big integer id that JSON.parse would round), and
 * a batch-layout archive built from them.
 */
import path from 'node:path';
import { DeterministicZipWriter, compareEntryNames } from '../../src/archive/zip-write.js';

const BIG_ID = '1234567890123456789';

function jobText(value: Record<string, unknown>): string {
  // The id is spliced in as a bare big integer: a rewrite through JSON.parse would change it.
  return JSON.stringify(value, null, 2).replace('"__ID__"', BIG_ID) + '\n';
}

export const dailyLoadJob = jobText({
  name: 'daily_load',
  id: '__ID__',
  processType: 'BATCH',
  description: 'loads dev_dws every night',
  basicConfig: { owner: 'alice', priority: 0, agency: 'dev_agency', executeUser: 'dev_user', instanceTimeout: 0 },
  schedule: { type: 'CRON', cron: { startTime: '2024-01-01T00:00:00+08', expression: '0 0 2 * * ?', expressionTimeZone: 'Asia/Shanghai' } },
  params: [],
  nodes: [
    {
      name: 'load_dws',
      type: 'DWSSQL',
      location: { x: 1.0, y: 2 },
      properties: [
        { name: 'scriptName', value: 'load_sql' },
        { name: 'connectionName', value: 'dev_dws' },
        { name: 'database', value: 'dev_db' },
        { name: 'comment', value: 'dev_dws' },
      ],
    },
    {
      name: 'query_dli',
      type: 'DLISQL',
      preNodeName: ['load_dws'],
      properties: [
        { name: 'scriptName', value: 'dli_sql' },
        { name: 'queueName', value: 'dev_queue' },
        { name: 'database', value: 'dev_db' },
      ],
    },
    { name: 'migrate', type: 'CDMJob', properties: [{ name: 'clusterName', value: 'dev_cdm' }, { name: 'jobName', value: 'dev_cdm_job' }] },
    { name: 'spark', type: 'MRSSpark', properties: [{ name: 'clusterName', value: 'dev_mrs' }, { name: 'jobName', value: 'spark_label' }] },
  ],
});

export const streamInJob = jobText({
  name: 'stream_in',
  id: '__ID__',
  processType: 'REAL_TIME',
  basicConfig: { owner: 'bob' },
  schedule: { type: 'EVENT', event: { eventType: 'DIS', channel: 'dev_stream', failPolicy: 'SUSPEND', concurrent: 1, readPolicy: 'LAST' } },
  nodes: [
    {
      name: 'hive',
      type: 'HiveSQL',
      properties: [{ name: 'connectionName', value: 'dev_hive' }, { name: 'database', value: 'dev_db' }],
      eventTrigger: { eventType: 'KAFKA', connectionName: 'dev_kafka', topic: 'dev_topic' },
    },
    { name: 'graph', type: 'ImportGES', properties: [{ name: 'graphName', value: 'dev_graph' }] },
  ],
});

export const loadSqlScript = JSON.stringify({ name: 'load_sql', type: 'DWSSQL', content: 'insert into t select * from s;', connectionName: 'dev_dws', database: 'dev_db' }, null, 2) + '\n';
export const dliSqlScript = JSON.stringify({ name: 'dli_sql', type: 'DLISQL', content: 'select 1;', queueName: 'dev_queue', database: 'dev_db', configuration: {} }, null, 2) + '\n';

/** Batch layout (reference §3): jobs/{job}/{job}.job with its scripts beside it. */
export function devArchiveEntries(): { name: string; data: Buffer }[] {
  const entries = [
    { name: 'jobs/daily_load/daily_load.job', data: Buffer.from(dailyLoadJob) },
    { name: 'jobs/daily_load/load_sql.script', data: Buffer.from(loadSqlScript) },
    { name: 'jobs/daily_load/dli_sql.script', data: Buffer.from(dliSqlScript) },
    { name: 'jobs/stream_in/stream_in.job', data: Buffer.from(streamInJob) },
  ];
  return entries.sort((a, b) => compareEntryNames(a.name, b.name));
}

export async function writeDevArchive(dir: string, fileName = 'dev.zip'): Promise<string> {
  const file = path.join(dir, fileName);
  const writer = DeterministicZipWriter.open(file);
  for (const entry of devArchiveEntries()) writer.add(entry.name, entry.data);
  await writer.finish();
  return file;
}

/** The model planReferences needs, built straight from the fixture texts (no zip reading). */
export function devModel(): { jobs: { name: string; entry: string; json: unknown }[]; scripts: { name: string; entry: string; json: unknown }[] } {
  return {
    jobs: [
      { name: 'daily_load', entry: 'jobs/daily_load/daily_load.job', json: JSON.parse(dailyLoadJob) },
      { name: 'stream_in', entry: 'jobs/stream_in/stream_in.job', json: JSON.parse(streamInJob) },
    ],
    scripts: [
      { name: 'dli_sql', entry: 'jobs/daily_load/dli_sql.script', json: JSON.parse(dliSqlScript) },
      { name: 'load_sql', entry: 'jobs/daily_load/load_sql.script', json: JSON.parse(loadSqlScript) },
    ],
  };
}

/** The full dev→prod environment map, as the config file spells it. */
export const prodEnvironmentFile = {
  connections: { dev_dws: 'prod_dws', dev_hive: 'prod_hive', dev_kafka: 'prod_kafka' },
  databases: { dev_db: 'prod_db' },
  queues: { dev_queue: 'prod_queue' },
  cdmClusters: { dev_cdm: 'prod_cdm' },
  cdmJobs: { dev_cdm_job: 'prod_cdm_job' },
  mrsClusters: { dev_mrs: 'prod_mrs' },
  disStreams: { dev_stream: 'prod_stream' },
  gesGraphs: { dev_graph: 'prod_graph' },
  agencies: { dev_agency: 'prod_agency' },
  executeUsers: { dev_user: 'prod_user' },
};
