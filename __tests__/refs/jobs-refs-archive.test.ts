import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { dailyLoadJob, devArchiveEntries, dliSqlScript, loadSqlScript, writeDevArchive } from './fixtures.js';

let dir: string;
let zip: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dataarts-refs-'));
  zip = await writeDevArchive(dir);
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('jobs refs ARCHIVE', () => {
  test('prints a sorted table JOB, NODE/SCRIPT, KIND, NAME; no credentials needed', async () => {
    const before = await fs.readFile(zip);
    const res = await runCli(['jobs', 'refs', zip], { cwd: dir });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^JOB\s+NODE\/SCRIPT\s+KIND\s+NAME$/);
    const rows = lines.slice(1).map((l) => l.split(/\s+/));
    expect(rows).toContainEqual(['daily_load', 'load_dws', 'connection', 'dev_dws']);
    expect(rows).toContainEqual(['daily_load', 'query_dli', 'queue', 'dev_queue']);
    expect(rows).toContainEqual(['daily_load', 'migrate', 'cdm-job', 'dev_cdm_job']);
    expect(rows).toContainEqual(['daily_load', '-', 'agency', 'dev_agency']);
    expect(rows).toContainEqual(['stream_in', '-', 'dis-stream', 'dev_stream']);
    expect(rows).toContainEqual(['stream_in', 'hive', 'kafka-topic', 'dev_topic']);
    expect(rows).toContainEqual(['-', 'load_sql.script', 'connection', 'dev_dws']);
    expect(rows).toHaveLength(21);
    // Jobs first, in name order, then the script files.
    expect(rows.map((r) => r[0])).toEqual([...Array(11).fill('daily_load'), ...Array(6).fill('stream_in'), ...Array(4).fill('-')]);
    // The archive is only read.
    expect(await fs.readFile(zip)).toEqual(before);
  });

  test('--json prints one document {references} with where each one sits', async () => {
    const res = await runCli(['--json', 'jobs', 'refs', zip], { cwd: dir });
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout) as { references: Record<string, string>[] };
    expect(Object.keys(doc)).toEqual(['references']);
    expect(doc.references).toHaveLength(21);
    expect(doc.references).toContainEqual({
      kind: 'connection',
      name: 'dev_dws',
      job: 'daily_load',
      node: 'load_dws',
      field: 'nodes[0].properties[1].value',
      entry: 'jobs/daily_load/daily_load.job',
    });
    expect(doc.references).toContainEqual({ kind: 'queue', name: 'dev_queue', script: 'dli_sql', field: 'queueName', entry: 'jobs/daily_load/dli_sql.script' });
  });

  test('reads a directory in the same layout', async () => {
    const tree = path.join(dir, 'tree');
    for (const entry of devArchiveEntries()) {
      await fs.mkdir(path.join(tree, path.dirname(entry.name)), { recursive: true });
      await fs.writeFile(path.join(tree, entry.name), entry.data);
    }
    const res = await runCli(['--json', 'jobs', 'refs', tree], { cwd: dir });
    expect(res.code).toBe(0);
    expect((JSON.parse(res.stdout) as { references: unknown[] }).references).toHaveLength(21);
  });

  test('reads the single-job layout (jobs/{job}.job, scripts/)', async () => {
    const tree = path.join(dir, 'single');
    const files: Record<string, string> = {
      'jobs/daily_load.job': dailyLoadJob,
      'scripts/load_sql.script': loadSqlScript,
      'scripts/dli_sql.script': dliSqlScript,
    };
    for (const [name, text] of Object.entries(files)) {
      await fs.mkdir(path.join(tree, path.dirname(name)), { recursive: true });
      await fs.writeFile(path.join(tree, name), text);
    }
    const res = await runCli(['--json', 'jobs', 'refs', tree], { cwd: dir });
    expect(res.code).toBe(0);
    const refs = (JSON.parse(res.stdout) as { references: { job?: string; script?: string; entry: string }[] }).references;
    expect(refs).toHaveLength(15);
    expect(new Set(refs.map((r) => r.entry))).toEqual(new Set(Object.keys(files)));
  });

  test.each([
    [[], /needs an ARCHIVE/],
    [['ARCHIVE', '--from-workspace'], /not both/],
    [['ARCHIVE', '--match', 'x*'], /--match selects jobs in the workspace/],
  ])('usage errors exit 2: %j', async (args, message) => {
    const argv = args.map((a) => (a === 'ARCHIVE' ? zip : a));
    const res = await runCli(['jobs', 'refs', ...argv], { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(message);
  });

  test('an unreadable archive is refused (exit 4)', async () => {
    const bad = path.join(dir, 'not-a-zip.zip');
    await fs.writeFile(bad, 'hello');
    const res = await runCli(['jobs', 'refs', bad], { cwd: dir });
    expect(res.code).toBe(4);
    expect(res.stdout).toBe('');
  });
});
