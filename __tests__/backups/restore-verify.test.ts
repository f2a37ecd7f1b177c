/**
 * `backups restore` of an older point and of a subset, its determinism, and `backups verify` /
 * `backups list` catching missing and damaged archives; a version-1 state file still read.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { addJob, changeJob, cli, deleteJob, fileDiff, startBackupEmulator, tempDir, workspaceFiles, type Emulator } from './helpers.js';
import { readZipEntries } from '../../src/archive/zip-read.js';
import { EXPORT_BATCH_LIMITS } from '../../src/archive/limits.js';

let emu: Emulator;
let dir: string;
let nightA: string;
let nightB: string;
let filesAtA: Map<string, string>;
let deleted: string;

beforeAll(async () => {
  emu = await startBackupEmulator(20);
  dir = await tempDir('restore');
  await fs.mkdir(path.join(dir, 'c'));
  const run = async () => {
    const r = await cli(emu, ['jobs', 'export-workspace', '--state-file', 'c/state.json', '-o', 'c/', '--json'], dir);
    expect(r.code).toBe(0);
  };
  await run();
  filesAtA = workspaceFiles(emu, 'default');
  const names = [...emu.state.workspace('default').jobs.keys()].sort();
  deleted = names[2]!;
  deleteJob(emu, deleted);
  addJob(emu, names[0]!, 'later_job');
  changeJob(emu, names[5]!, 'changed on night B');
  await run();
  const state = JSON.parse(await fs.readFile(path.join(dir, 'c/state.json'), 'utf8'));
  [nightA, nightB] = state.runs.map((r: { startedAt: string }) => r.startedAt);
}, 60_000);
afterAll(async () => {
  await emu?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

const zipFiles = async (file: string) => new Map((await readZipEntries(file, EXPORT_BATCH_LIMITS)).map((e) => [e.name, e.data.toString('utf8')]));
const restore = (args: string[]) => cli(emu, ['backups', 'restore', '--state-file', 'c/state.json', ...args], dir);

describe('backups restore', () => {
  test('--at an older point: the job deleted later is in it, the job added later is not; everything as it was', async () => {
    const r = await restore(['--at', nightA, '-o', 'a.zip']);
    expect(r.code).toBe(0);
    const files = await zipFiles(path.join(dir, 'a.zip'));
    expect(fileDiff(files, filesAtA)).toEqual([]);
    expect(files.has(`jobs/${deleted}/${deleted}.job`)).toBe(true);
    expect([...files.keys()].some((k) => k.startsWith('jobs/later_job/'))).toBe(false);
    // The newest point: the deleted job gone, the later one there, the changed one changed.
    const newest = await restore(['-o', 'b.zip']);
    expect(newest.code).toBe(0);
    expect(fileDiff(await zipFiles(path.join(dir, 'b.zip')), workspaceFiles(emu, 'default'))).toEqual([]);
    expect(nightA < nightB).toBe(true);
  });

  test('NAME and --match restore a subset; an unknown name is a usage error naming it', async () => {
    const r = await restore(['--at', nightA, deleted, '--match', 'job_0000[12]', '-o', 'subset.zip', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.jobList.map((j: { name: string }) => j.name)).toEqual(['job_00001', 'job_00002', deleted].sort());
    expect(doc.restorePoint).toBe(nightA);
    const unknown = await restore(['--at', nightA, 'later_job', '-o', 'never.zip']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('later_job');
    const badAt = await restore(['--at', 'last tuesday', '-o', 'never.zip']);
    expect(badAt.code).toBe(2);
    expect(badAt.stderr).toContain("--at: cannot read 'last tuesday'");
    const badEvery = await cli(emu, ['jobs', 'export-workspace', '--state-file', 'c/state.json', '--full-every', '0d'], dir);
    expect(badEvery.code).toBe(2);
    expect(badEvery.stderr).toContain('--full-every');
  });

  test('the same point gives a byte-identical archive; --layout dir gives the same files; offline (no request)', async () => {
    const before = emu.requests.length;
    expect((await restore(['-o', 'd1.zip'])).code).toBe(0);
    expect((await restore(['-o', 'd2.zip'])).code).toBe(0);
    expect(Buffer.compare(await fs.readFile(path.join(dir, 'd1.zip')), await fs.readFile(path.join(dir, 'd2.zip')))).toBe(0);
    expect((await restore(['-o', 'tree', '--layout', 'dir'])).code).toBe(0);
    const tree = new Map<string, string>();
    const walk = async (rel: string) => {
      for (const d of await fs.readdir(path.join(dir, 'tree', rel), { withFileTypes: true })) {
        const r = rel ? `${rel}/${d.name}` : d.name;
        if (d.isDirectory()) await walk(r);
        else tree.set(r, await fs.readFile(path.join(dir, 'tree', r), 'utf8'));
      }
    };
    await walk('');
    expect(fileDiff(tree, await zipFiles(path.join(dir, 'd1.zip')))).toEqual([]);
    expect(emu.requests.length).toBe(before);
  });
});

describe('backups verify and list', () => {
  test('a damaged archive and a missing one: verify exits 4 naming both, restore refuses, list says not present', async () => {
    const ok = await cli(emu, ['backups', 'verify', '--state-file', 'c/state.json'], dir);
    expect(ok.code).toBe(0);
    const state = JSON.parse(await fs.readFile(path.join(dir, 'c/state.json'), 'utf8'));
    const [full, incr] = state.runs.map((r: { archive: { path: string } }) => path.join(dir, 'c', r.archive.path));
    const fullBytes = await fs.readFile(full);
    const incrBytes = await fs.readFile(incr);
    const damaged = Buffer.from(fullBytes);
    damaged[damaged.length - 30] ^= 0xff;
    await fs.writeFile(full, damaged);
    await fs.rm(incr);

    const bad = await cli(emu, ['backups', 'verify', '--state-file', 'c/state.json'], dir);
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain(`${full} is damaged`);
    expect(bad.stderr).toContain(`${incr} is missing`);

    const refused = await restore(['-o', 'never.zip']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain(full);
    await expect(fs.stat(path.join(dir, 'never.zip'))).rejects.toThrow();

    const list = await cli(emu, ['backups', 'list', '--state-file', 'c/state.json', '--json'], dir);
    expect(list.code).toBe(0);
    const points = JSON.parse(list.stdout).points;
    expect(points).toHaveLength(2);
    // The damaged full archive is shown as such (not just "present"), the missing increment too.
    // (Each point's files also hold the nights' script captures, intact here.)
    const byPath = (p: { archives: { path: string; problem?: string }[] }, file: string) => p.archives.find((a) => a.path === file);
    expect(points[0]).toMatchObject({ at: nightA, kind: 'full', jobs: 20, complete: false });
    expect(byPath(points[0], full)).toMatchObject({ path: full, present: true, intact: false });
    expect(points[0].archives.filter((a: { intact: boolean }) => !a.intact)).toHaveLength(1);
    expect(byPath(points[0], full)!.problem).toMatch(/^damaged/);
    expect(points[1]).toMatchObject({ at: nightB, kind: 'incremental', jobs: 20, complete: false });
    expect(byPath(points[1], incr)).toMatchObject({ path: incr, present: false, intact: false, problem: 'missing' });
    const table = await cli(emu, ['backups', 'list', '--state-file', 'c/state.json'], dir);
    expect(table.stdout).toContain('DAMAGED');
    expect(table.stdout).toContain('MISSING');

    await fs.writeFile(full, fullBytes);
    await fs.writeFile(incr, incrBytes);
    expect((await cli(emu, ['backups', 'verify', '--state-file', 'c/state.json'], dir)).code).toBe(0);
  });

  test('a version-1 state file is read: no restore point yet, and the next run starts a chain with a full archive', async () => {
    await fs.mkdir(path.join(dir, 'v1'));
    await fs.writeFile(path.join(dir, 'v1/state.json'), JSON.stringify({
      version: 1, workspace: 'default', lastExportStartedAt: '2026-11-01T00:00:00.000Z', lastExportFinishedAt: '2026-11-01T00:01:00.000Z', lastJobs: 3, lastCutoff: 'full',
    }));
    const list = await cli(emu, ['backups', 'list', '--state-file', 'v1/state.json', '--json'], dir);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).points).toEqual([]);
    const r = await cli(emu, ['jobs', 'export-workspace', '--state-file', 'v1/state.json', '-o', 'v1/', '--json'], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).jobs).toBe(emu.state.workspace('default').jobs.size);
    const state = JSON.parse(await fs.readFile(path.join(dir, 'v1/state.json'), 'utf8'));
    expect(state.version).toBe(2);
    expect(state.runs).toHaveLength(1);
    expect(state.runs[0].cutoff).toBe('full');
  });
  test('a chain whose archive went missing is not continued: the next run warns and starts a new chain with a full archive', async () => {
    await fs.mkdir(path.join(dir, 'broken'));
    const run = () => cli(emu, ['jobs', 'export-workspace', '--state-file', 'broken/state.json', '-o', 'broken/', '--json'], dir);
    const first = await run();
    expect(first.code).toBe(0);
    await fs.rm(JSON.parse(first.stdout).path);
    const second = await run();
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('starts a new chain');
    expect(JSON.parse(second.stdout).jobs).toBe(emu.state.workspace('default').jobs.size);
    const state = JSON.parse(await fs.readFile(path.join(dir, 'broken/state.json'), 'utf8'));
    expect(state.runs.at(-1).cutoff).toBe('full');
    const r = await cli(emu, ['backups', 'restore', '--state-file', 'broken/state.json', '-o', 'broken-restore.zip'], dir);
    expect(r.code).toBe(0);
  });
  test('-o the same archive --force every night would overwrite the chain: refused (exit 4), the archive untouched', async () => {
    await fs.mkdir(path.join(dir, 'same'));
    const run = () => cli(emu, ['jobs', 'export-workspace', '--state-file', 'same/state.json', '-o', 'same/backup.zip', '--force'], dir);
    expect((await run()).code).toBe(0);
    const before = await fs.readFile(path.join(dir, 'same/backup.zip'));
    const second = await run();
    expect(second.code).toBe(4);
    expect(second.stderr).toContain('still needs');
    expect(second.stderr).not.toContain('--force');
    expect(await fs.readFile(path.join(dir, 'same/backup.zip'))).toEqual(before);
  });
});
