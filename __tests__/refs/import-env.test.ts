/**
 * The environment map through the real import command against the emulator: dev → prod with
 * differently named connections, queues and the rest, from the config file and the command line.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { prodEnvironmentFile } from './fixtures.js';
import { cliEnv, makeTempDir, startDevProdEmulator, writeConfig, zipBufferContents, type Emulator } from './helpers.js';

let emu: Emulator;
let dir: string;
let archive: string;
let archiveBytes: Buffer;

const expectedResources = [
  { name: 'dev_dws', type: 'DWS_CONNECTION', replace: 'prod_dws' },
  { name: 'dev_hive', type: 'MRS_HIVE_CONNECTION', replace: 'prod_hive' },
  { name: 'dev_kafka', type: 'DWS_CONNECTION', replace: 'prod_kafka' },
  { name: 'dev_cdm', type: 'CDM_CLUSTER', replace: 'prod_cdm' },
  { name: 'dev_mrs', type: 'MRS_CLUSTER', replace: 'prod_mrs' },
  { name: 'dev_stream', type: 'DIS_STREAM', replace: 'prod_stream' },
  { name: 'dev_graph', type: 'GES_GRAPH', replace: 'prod_graph' },
];

function obsPuts(from: number): string[] {
  return emu.requests.slice(from).filter((r) => r.method === 'PUT').map((r) => r.path);
}

/** A working directory holding its own config file. */
async function cwdWithConfig(label: string, config: unknown): Promise<string> {
  const cwd = path.join(dir, label);
  await fs.mkdir(cwd);
  await writeConfig(cwd, config);
  return cwd;
}

beforeAll(async () => {
  emu = await startDevProdEmulator();
  dir = await makeTempDir('import');
  // The archive comes from the dev workspace through the tool's own export.
  archive = path.join(dir, 'dev.zip');
  const exported = await runCli(['jobs', 'export', 'daily_load', 'stream_in', '-o', archive, '--no-progress'], { cwd: dir, env: cliEnv(emu, 'dev') });
  expect(exported.code).toBe(0);
  archiveBytes = await fs.readFile(archive);
});

afterAll(async () => {
  await emu?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  // Each test imports into an empty prod workspace.
  const prod = emu.state.workspace('prod');
  prod.jobs.clear();
  prod.scripts.clear();
  // The emulator caches job listings until told the state changed.
  emu.state.changed();
});

describe('jobs import with an environment map', () => {
  test('--env prod imports dev jobs into prod with no hand editing; substitutions in the staged copy and the import call', async () => {
    const cwd = await cwdWithConfig('env', { environments: { prod: prodEnvironmentFile } });
    const calls = emu.state.importCalls.length;
    const res = await runCli(
      ['--json', 'jobs', 'import', archive, '--env', 'prod', '--obs-path', `obs://${emu.credentials.bucket}/refs-env/`, '--keep-staged', '--no-progress'],
      { cwd, env: cliEnv(emu, 'prod') },
    );
    expect(res.stderr).not.toMatch(/Error/);
    expect(res.code).toBe(0);

    // The import call carries the rebinding for the kinds the API supports.
    expect(emu.state.importCalls).toHaveLength(calls + 1);
    const call = emu.state.importCalls[calls] as { path: string; resources?: unknown[] };
    expect(call.resources).toEqual(expectedResources);

    // The staged copy has every substitution; bytes outside the rewritten strings are unchanged.
    const match = /^obs:\/\/([^/]+)\/(.+)$/.exec(call.path)!;
    const staged = emu.state.obsObject(match[1]!, match[2]!);
    expect(staged).toBeDefined();
    const files = await zipBufferContents(staged!, dir);
    const job = JSON.parse(files.get('jobs/daily_load/daily_load.job')!);
    expect(job.basicConfig).toMatchObject({ agency: 'prod_agency', executeUser: 'prod_user' });
    expect(job.nodes[0].properties).toEqual([
      { name: 'scriptName', value: 'load_sql' },
      { name: 'connectionName', value: 'prod_dws' },
      { name: 'database', value: 'prod_db' },
      { name: 'comment', value: 'dev_dws' },
    ]);
    expect(job.nodes[1].properties[1]).toEqual({ name: 'queueName', value: 'prod_queue' });
    expect(job.nodes[2].properties).toEqual([{ name: 'clusterName', value: 'prod_cdm' }, { name: 'jobName', value: 'prod_cdm_job' }]);
    expect(files.get('jobs/daily_load/daily_load.job')).toContain('"id": 1234567890123456789');
    expect(JSON.parse(files.get('jobs/daily_load/dli_sql.script')!)).toMatchObject({ queueName: 'prod_queue', database: 'prod_db' });
    expect(JSON.parse(files.get('jobs/daily_load/load_sql.script')!)).toMatchObject({ connectionName: 'prod_dws', database: 'prod_db' });
    const stream = JSON.parse(files.get('jobs/stream_in/stream_in.job')!);
    expect(stream.schedule.event.channel).toBe('prod_stream');
    expect(stream.nodes[0].eventTrigger.connectionName).toBe('prod_kafka');

    // The jobs are in prod, pointing at prod's resources; the user's archive is untouched.
    const prod = emu.state.workspace('prod');
    expect([...prod.jobs.keys()].sort()).toEqual(['daily_load', 'stream_in']);
    // Only the "comment" property (not a reference) still says dev_dws.
    const stored = prod.jobs.get('daily_load')!.text;
    expect(stored.match(/"dev_[a-z_]+"/g)).toEqual(['"dev_dws"']);
    expect(stored).toContain('"name": "comment",\n          "value": "dev_dws"');
    expect(await fs.readFile(archive)).toEqual(archiveBytes);
    expect(JSON.parse(res.stdout).jobs.map((j: { result: string }) => j.result)).toEqual(['created', 'created']);
  });

  test('without the map the import is refused before upload, listing what is missing', async () => {
    const cwd = await cwdWithConfig('nomap', { environments: { prod: prodEnvironmentFile } });
    const requests = emu.requests.length;
    const calls = emu.state.importCalls.length;
    const res = await runCli(['jobs', 'import', archive, '--obs-path', `obs://${emu.credentials.bucket}/refs-nomap/`, '--no-progress'], {
      cwd,
      env: cliEnv(emu, 'prod'),
    });
    expect(res.code).toBe(4);
    expect(res.stderr).toMatch(/daily_load.*node "load_dws" refers to connection "dev_dws", which is not in the target workspace/s);
    expect(res.stderr).toMatch(/stream_in.*connection "dev_hive"/s);
    expect(res.stderr).toMatch(/stream_in.*connection "dev_kafka"/s);
    expect(res.stderr).toMatch(/load_sql.*script "load_sql" refers to connection "dev_dws"/s);
    expect(obsPuts(requests)).toEqual([]);
    expect(emu.state.importCalls).toHaveLength(calls);
    expect(emu.state.workspace('prod').jobs.size).toBe(0);
  });

  test('--dry-run shows the refusal and the plan and changes nothing', async () => {
    const cwd = await cwdWithConfig('dry', { environments: { prod: prodEnvironmentFile } });
    const requests = emu.requests.length;
    const res = await runCli(['--json', 'jobs', 'import', archive, '--env', 'prod', '--map', 'connection:dev_hive=missing_hive', '--dry-run'], {
      cwd,
      env: cliEnv(emu, 'prod'),
    });
    expect(res.code).toBe(4);
    const doc = JSON.parse(res.stdout) as {
      jobs: { name: string; action: string; reason: string | null }[];
      substitutions: { kind: string; from: string; to: string; via: string }[];
      unchecked: { kind: string; names: string[] }[];
    };
    expect(doc.jobs.find((j) => j.name === 'stream_in')).toMatchObject({
      action: 'blocked',
      reason: 'node "hive" refers to connection "missing_hive" (mapped from "dev_hive"), which is not in the target workspace',
    });
    expect(doc.jobs.find((j) => j.name === 'daily_load')?.action).toBe('create');
    // Every substitution is in the plan, the command line's one included.
    expect(doc.substitutions.map((s) => `${s.kind}:${s.from}=${s.to} ${s.via}`)).toEqual([
      'connection:dev_dws=prod_dws import-resources',
      'connection:dev_hive=missing_hive import-resources',
      'connection:dev_kafka=prod_kafka import-resources',
      'database:dev_db=prod_db rewrite',
      'queue:dev_queue=prod_queue rewrite',
      'cdm-cluster:dev_cdm=prod_cdm import-resources',
      'cdm-job:dev_cdm_job=prod_cdm_job rewrite',
      'mrs-cluster:dev_mrs=prod_mrs import-resources',
      'dis-stream:dev_stream=prod_stream import-resources',
      'ges-graph:dev_graph=prod_graph import-resources',
      'agency:dev_agency=prod_agency rewrite',
      'execute-user:dev_user=prod_user rewrite',
    ]);
    expect(doc.unchecked).toContainEqual({ kind: 'queue', names: ['prod_queue'] });
    expect(doc.unchecked.map((u) => u.kind)).not.toContain('connection');
    expect(obsPuts(requests)).toEqual([]);
    expect(emu.state.workspace('prod').jobs.size).toBe(0);
  });

  test('--map on the command line wins over the config file', async () => {
    // The config maps dev_kafka to a connection prod does not have; the command line fixes it.
    const cwd = await cwdWithConfig('override', {
      environments: { prod: { ...prodEnvironmentFile, connections: { ...prodEnvironmentFile.connections, dev_kafka: 'gone_kafka' } } },
    });
    emu.state.addConnection('prod', { name: 'alt_kafka', type: 'HOST' });
    const base = ['jobs', 'import', archive, '--env', 'prod', '--obs-path', `obs://${emu.credentials.bucket}/refs-override/`, '--no-progress'];

    const refused = await runCli(base, { cwd, env: cliEnv(emu, 'prod') });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/connection "gone_kafka" \(mapped from "dev_kafka"\)/);

    const calls = emu.state.importCalls.length;
    const res = await runCli([...base, '--map', 'connection:dev_kafka=alt_kafka'], { cwd, env: cliEnv(emu, 'prod') });
    expect(res.code).toBe(0);
    const call = emu.state.importCalls[calls] as { resources?: unknown[] };
    expect(call.resources).toContainEqual({ name: 'dev_kafka', type: 'DWS_CONNECTION', replace: 'alt_kafka' });
    expect(call.resources).not.toContainEqual(expect.objectContaining({ replace: 'gone_kafka' }));
    const stream = emu.state.workspace('prod').jobs.get('stream_in')!.json as { nodes: { eventTrigger: { connectionName: string } }[] };
    expect(stream.nodes[0]!.eventTrigger.connectionName).toBe('alt_kafka');
  });

  test('an unknown --env names the config file and the environments it has (exit 3)', async () => {
    const cwd = await cwdWithConfig('unknown', { environments: { prod: prodEnvironmentFile, test: {} } });
    const res = await runCli(['jobs', 'import', archive, '--env', 'staging', '--obs-path', `obs://${emu.credentials.bucket}/x/`], { cwd, env: cliEnv(emu, 'prod') });
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('.dataartsrc.json has no environments.staging (available: prod, test)');
  });

  test('a bad --map is a usage error (exit 2) before anything is sent', async () => {
    const requests = emu.requests.length;
    const res = await runCli(['jobs', 'import', archive, '--map', 'queues:a=b', '--obs-path', `obs://${emu.credentials.bucket}/x/`], { cwd: dir, env: cliEnv(emu, 'prod') });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--map "queues:a=b": unknown kind "queues"/);
    expect(obsPuts(requests)).toEqual([]);
  });
});
