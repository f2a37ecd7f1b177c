/**
 * `jobs import` end to end against the emulator: an archive of the 'dev' workspace imported into
 * 'prod' with every parameter reaching the import call as the reference names it, the staged
 * object signed, removed (or kept), the time-zone rewrite in the staged copy, --no-wait, --json,
 * --dry-run and a directory archive.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readZipEntries } from '../../src/archive/zip-read.js';
import { IMPORT_READ_LIMITS } from '../../src/import/limits.js';
import {
  clearWorkspace, devArchive, importCli, importRequests, obsPuts, removeDir, stagedKeys, startImportEmulator, tempDir, workspaceEntries, writeZip, STAGING, type Emulator,
} from './helpers.js';

let emu: Emulator;
let dir: string;

beforeAll(async () => {
  emu = await startImportEmulator({ seedJobs: 6 });
  dir = await tempDir('roundtrip');
});
afterAll(async () => {
  await emu.close();
  await removeDir(dir);
});

function reset(): void {
  clearWorkspace(emu, 'prod');
  emu.state.importCalls.length = 0;
  emu.requests.length = 0;
}

describe('jobs import: dev → prod', () => {
  test('every parameter reaches the import call as the reference names it; jobs land; staged object removed', async () => {
    reset();
    const zip = await devArchive(emu, dir);
    const before = await readFile(zip);
    const names = [...emu.state.workspace('dev').jobs.keys()].sort();
    const r = await importCli(emu, [
      zip, '--obs-path', STAGING,
      '--duplicate-policy', 'overwrite',
      '--target-status', 'submitted',
      '--approver', 'alice', '--approver', 'bob',
      '--execute-user', 'etl_runner',
      '--param', 'env=prod', '--param', 'region=eu',
      '--job-param', `${names[0]}:batch=1`, '--job-param', `${names[0]}:mode=full`, '--job-param', `${names[1]}:batch=2`,
    ]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    expect(emu.state.importCalls).toHaveLength(1);
    const call = emu.state.importCalls[0] as Record<string, unknown>;
    expect(call).toEqual({
      path: expect.stringMatching(/^obs:\/\/dataarts-staging\/import-tests\/dataarts-import-\d{8}T\d{6}Z-[0-9a-f]{8}\.zip$/),
      sameNamePolicy: 'OVERWRITE',
      targetStatus: 'SUBMITTED',
      approvers: [{ approverName: 'alice' }, { approverName: 'bob' }],
      executeUser: 'etl_runner',
      params: { env: 'prod', region: 'eu' },
      jobsParam: [
        { name: names[0], params: { batch: '1', mode: 'full' } },
        { name: names[1], params: { batch: '2' } },
      ],
    });
    // The emulator verified the OBS signature of the PUT (it refuses bad ones) and the object is gone.
    const put = emu.requests.find((q) => q.method === 'PUT' && !q.path.startsWith('/v1/'))!;
    expect(put.status).toBe(200);
    expect(put.authKind).toBe('obs');
    expect(stagedKeys(emu)).toEqual([]);
    // The jobs are in prod, with the parameters applied by the service.
    const prod = emu.state.workspace('prod');
    expect([...prod.jobs.keys()].sort()).toEqual(names);
    const first = JSON.parse(prod.jobs.get(names[0]!)!.text) as { params: { name: string; value: string }[]; basicConfig: { executeUser: string } };
    expect(first.params).toEqual(expect.arrayContaining([{ name: 'env', value: 'prod', type: 'variable' }, { name: 'mode', value: 'full', type: 'variable' }]));
    expect(first.basicConfig.executeUser).toBe('etl_runner');
    // One line per job on stdout, nothing else.
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(names.length);
    names.forEach((n, i) => expect(lines[i]).toMatch(new RegExp(`^${n}\\s+created\\s+job ${n} was created\\.$`)));
    // The user's archive is untouched.
    expect((await readFile(zip)).equals(before)).toBe(true);
  });

  test('--keep-staged keeps the object, which carries the --expression-time-zone rewrite; --json is one document', async () => {
    reset();
    const zip = await devArchive(emu, dir, undefined, 'tz.zip');
    const before = await readFile(zip);
    const r = await importCli(emu, [zip, '--obs-path', STAGING, '--keep-staged', '--expression-time-zone', 'europe/paris', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { workspace: string; taskId: string; status: string; jobs: { name: string; result: string }[]; stopped: string[]; staged: { path: string; removed: boolean } };
    expect(doc.workspace).toBe('prod');
    expect(doc.taskId).toMatch(/^[0-9a-f]{32}$/);
    expect(doc.status).toBe('SUCCESSFUL');
    expect(doc.jobs.every((j) => j.result === 'created')).toBe(true);
    expect(doc.stopped).toEqual([]);
    expect(doc.staged.removed).toBe(false);
    const call = emu.state.importCalls[0] as { path: string };
    expect(doc.staged.path).toBe(call.path);
    const key = call.path.replace('obs://dataarts-staging/', '');
    expect(stagedKeys(emu)).toEqual([key]);
    const stagedFile = path.join(dir, 'staged.zip');
    await writeFile(stagedFile, emu.state.obsObject('dataarts-staging', key)!);
    const staged = await readZipEntries(stagedFile, IMPORT_READ_LIMITS);
    let zones = 0;
    for (const e of staged.filter((x) => x.name.endsWith('.job'))) {
      const job = JSON.parse(e.data.toString('utf8')) as { schedule?: { cron?: { expressionTimeZone?: string } }; nodes: { cronTrigger?: { expressionTimeZone?: string } }[] };
      for (const tz of [job.schedule?.cron?.expressionTimeZone, ...job.nodes.map((n) => n.cronTrigger?.expressionTimeZone)]) {
        if (tz === undefined) continue;
        expect(tz).toBe('Europe/Paris');
        zones++;
      }
    }
    expect(zones).toBeGreaterThan(0);
    expect((await readFile(zip)).equals(before)).toBe(true);
    // The imported jobs carry it too.
    const anyProd = [...emu.state.workspace('prod').jobs.values()].map((j) => j.text).join('\n');
    expect(anyProd).toContain('"expressionTimeZone": "Europe/Paris"');
    emu.state.buckets.get('dataarts-staging')!.clear();
  });

  test('under SKIP, jobs already there are reported skipped (second run of the same archive)', async () => {
    reset();
    const zip = await devArchive(emu, dir, undefined, 'skip.zip');
    expect((await importCli(emu, [zip, '--obs-path', STAGING])).code).toBe(0);
    const again = await importCli(emu, [zip, '--obs-path', STAGING]);
    expect(again.code).toBe(0);
    const lines = again.stdout.trim().split('\n');
    expect(lines.every((l) => /^\S+\s+skipped\s/.test(l))).toBe(true);
  });

  test('--dry-run prints the plan and uploads nothing', async () => {
    reset();
    const names = [...emu.state.workspace('dev').jobs.keys()].sort();
    emu.state.putJob('prod', emu.state.workspace('dev').jobs.get(names[0]!)!.text, { status: 'STOPPED' });
    const zip = await devArchive(emu, dir, undefined, 'dry.zip');
    const r = await importCli(emu, [zip, '--obs-path', STAGING, '--dry-run', '--duplicate-policy', 'overwrite']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^JOB\s+TYPE\s+ACTION\s+REASON$/);
    expect(lines.find((l) => l.startsWith(names[0]!))).toMatch(/\s(BATCH|REAL_TIME)\s+overwrite/);
    expect(lines.find((l) => l.startsWith(names[1]!))).toMatch(/\screate/);
    expect(obsPuts(emu)).toBe(0);
    expect(importRequests(emu)).toBe(0);
    const json = await importCli(emu, [zip, '--dry-run', '--json']);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as { dryRun: boolean; jobs: { name: string; action: string }[]; blocked: number };
    expect(doc.dryRun).toBe(true);
    expect(doc.blocked).toBe(0);
    expect(doc.jobs.find((j) => j.name === names[0])!.action).toBe('skip');
    expect(json.stderr).toContain('--obs-path');
    expect(obsPuts(emu)).toBe(0);
  });

  test('--no-wait prints the task id and leaves the staged object, saying so', async () => {
    reset();
    const zip = await devArchive(emu, dir, undefined, 'nowait.zip');
    const r = await importCli(emu, [zip, '--obs-path', STAGING, '--no-wait']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^[0-9a-f]{32}$/);
    expect(emu.state.tasks.has(r.stdout.trim())).toBe(true);
    expect(r.stderr).toContain('stays in OBS');
    expect(stagedKeys(emu)).toHaveLength(1);
    // Let the task end before the next test.
    while (emu.state.tasks.get(r.stdout.trim())!.status === 'RUNNING') await new Promise((res) => setTimeout(res, 20));
    emu.state.buckets.get('dataarts-staging')!.clear();
  });

  test('a directory archive in the single-job layout is packed and imported', async () => {
    reset();
    const names = [...emu.state.workspace('dev').jobs.keys()].sort().slice(0, 2);
    const tree = path.join(dir, 'tree');
    for (const [entry, data] of workspaceEntries(emu, 'dev', names)) {
      const parts = entry.split('/');
      const single = entry.endsWith('.job') ? `jobs/${parts[2]}` : entry.endsWith('.script') ? `scripts/${parts[2]}` : `resources/${parts[2]}`;
      await mkdir(path.dirname(path.join(tree, single)), { recursive: true });
      await writeFile(path.join(tree, single), data);
    }
    const listing = await readdir(tree, { recursive: true });
    const r = await importCli(emu, [tree, '--obs-path', STAGING]);
    expect(r.code).toBe(0);
    expect([...emu.state.workspace('prod').jobs.keys()].sort()).toEqual(names);
    expect(await readdir(tree, { recursive: true })).toEqual(listing);
  });

  test('a wrong SK is refused before anything is staged or imported (exit 3)', async () => {
    reset();
    const zip = await devArchive(emu, dir, undefined, 'sk.zip');
    const r = await importCli(emu, [zip, '--obs-path', STAGING], { env: { HUAWEICLOUD_SDK_SK: 'wrongSecretKey000000000000000000000000000' } });
    expect(r.code).toBe(3);
    expect(obsPuts(emu)).toBe(0);
    expect(importRequests(emu)).toBe(0);
    expect(r.stderr).not.toContain('wrongSecretKey');
  });

  test('flags are checked before anything: bad time zone, --param, --job-param, missing OBS path', async () => {
    reset();
    const zip = await devArchive(emu, dir, undefined, 'flags.zip');
    const tz = await importCli(emu, [zip, '--obs-path', STAGING, '--expression-time-zone', 'Mars/Olympus']);
    expect(tz.code).toBe(2);
    expect(tz.stderr).toContain('Mars/Olympus');
    const param = await importCli(emu, [zip, '--obs-path', STAGING, '--param', 'novalue']);
    expect(param.code).toBe(2);
    expect(param.stderr).toContain('novalue');
    const jobParam = await importCli(emu, [zip, '--obs-path', STAGING, '--job-param', 'ghost_job:a=1']);
    expect(jobParam.code).toBe(2);
    expect(jobParam.stderr).toContain('ghost_job');
    const noPath = await importCli(emu, [zip]);
    expect(noPath.code).toBe(2);
    expect(noPath.stderr).toMatch(/--obs-path.*obsStagingPath/);
    expect(emu.requests.filter((q) => q.method !== 'GET')).toEqual([]);
  });

  test('the profile\'s obsStagingPath is used when --obs-path is absent', async () => {
    reset();
    const zip = await devArchive(emu, dir, undefined, 'profile.zip');
    const config = path.join(dir, 'dataartsrc.json');
    await writeFile(config, JSON.stringify({ defaultProfile: 'p', profiles: { p: { obsStagingPath: 'obs://dataarts-staging/from-profile/' } } }), { mode: 0o600 });
    const r = await importCli(emu, [zip], { env: { DATAARTS_CONFIG: config } });
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    expect((emu.state.importCalls[0] as { path: string }).path).toMatch(/^obs:\/\/dataarts-staging\/from-profile\/dataarts-import-/);
  });

  test('a relative ARCHIVE is found in the working directory the command was given, not the process\'s', async () => {
    reset();
    await devArchive(emu, dir, undefined, 'relative.zip');
    const r = await importCli(emu, ['relative.zip', '--obs-path', STAGING, '--dry-run'], { cwd: dir });
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
  });
});
