/**
 * Outputs never destroy: --force replaces only what this tool wrote; `-o DIR/` means a default
 * name inside DIR for both layouts; default names are claimed so concurrent runs both succeed;
 * a bad output or state file is exit 7 before any request.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { cli, requestsTo, startBackupEmulator, tempDir, type Emulator } from './helpers.js';

let emu: Emulator;
let dir: string;
let job: string;

beforeAll(async () => {
  emu = await startBackupEmulator(8);
  dir = await tempDir('outputs');
  job = [...emu.state.workspace('default').jobs.keys()].sort()[0]!;
});
afterAll(async () => {
  await emu?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

const exportCalls = () => requestsTo(emu, /\/jobs\/(batch-export|[^/]+\/export)$/);
const anyCalls = () => emu.requests.length;
async function sub(name: string, files: Record<string, string> = {}): Promise<string> {
  const d = path.join(dir, name);
  await fs.mkdir(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) await fs.writeFile(path.join(d, f), text);
  return d;
}

describe('--force replaces only what this tool wrote', () => {
  test("--layout dir -o DIR --force with a user's file in DIR: exit 4, the file intact, no hint to --force, no export call", async () => {
    const d = await sub('users', { 'notes.txt': 'my notes' });
    const before = exportCalls();
    const r = await cli(emu, ['jobs', 'export', job, '--layout', 'dir', '-o', 'users', '--force'], dir);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(d);
    expect(r.stderr).not.toContain('--force');
    expect(await fs.readFile(path.join(d, 'notes.txt'), 'utf8')).toBe('my notes');
    expect(await fs.readdir(d)).toEqual(['notes.txt']);
    expect(exportCalls()).toBe(before);
  });

  test('--layout dir -o . --force writes a default-named tree inside the directory and leaves its files alone', async () => {
    const d = await sub('cwd', { 'keep.txt': 'mine' });
    const r = await cli(emu, ['jobs', 'export', job, '--layout', 'dir', '-o', '.', '--force'], d);
    expect(r.code).toBe(0);
    const left = (await fs.readdir(d)).sort();
    expect(left).toContain('keep.txt');
    expect(left.some((n) => /^dataarts-jobs-default-\d{8}T\d{6}Z$/.test(n))).toBe(true);
    expect(await fs.readFile(path.join(d, 'keep.txt'), 'utf8')).toBe('mine');
  });

  test('-o EXISTING_DIR/ with --layout dir: a default-named tree inside it (no refusal)', async () => {
    const d = await sub('existing', { 'x.txt': 'x' });
    const r = await cli(emu, ['jobs', 'export', job, '--layout', 'dir', '-o', 'existing/'], dir);
    expect(r.code).toBe(0);
    const tree = (await fs.readdir(d)).find((n) => /^dataarts-jobs-default-\d{8}T\d{6}Z$/.test(n))!;
    expect(existsSync(path.join(d, tree, 'jobs', job, `${job}.job`))).toBe(true);
  });

  test('--force replaces a previous zip, a previous tree and an empty directory; not a file that is not a zip', async () => {
    await sub('f');
    expect((await cli(emu, ['jobs', 'export', job, '-o', 'f/a.zip'], dir)).code).toBe(0);
    const again = await cli(emu, ['jobs', 'export', job, '-o', 'f/a.zip'], dir);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain('--force');
    expect((await cli(emu, ['jobs', 'export', job, '-o', 'f/a.zip', '--force'], dir)).code).toBe(0);

    expect((await cli(emu, ['jobs', 'export', job, '--layout', 'dir', '-o', 'f/tree'], dir)).code).toBe(0);
    expect((await cli(emu, ['jobs', 'export', job, '--layout', 'dir', '-o', 'f/tree', '--force'], dir)).code).toBe(0);
    // A tree of ours with a user's file added is no longer only ours.
    await fs.writeFile(path.join(dir, 'f/tree/added.txt'), 'added');
    expect((await cli(emu, ['jobs', 'export', job, '--layout', 'dir', '-o', 'f/tree', '--force'], dir)).code).toBe(4);
    expect(await fs.readFile(path.join(dir, 'f/tree/added.txt'), 'utf8')).toBe('added');

    await fs.mkdir(path.join(dir, 'f/empty'));
    expect((await cli(emu, ['jobs', 'export', job, '--layout', 'dir', '-o', 'f/empty', '--force'], dir)).code).toBe(0);
    expect(existsSync(path.join(dir, 'f/empty/jobs', job, `${job}.job`))).toBe(true);

    await fs.writeFile(path.join(dir, 'f/report.zip'), 'a report, not a zip');
    const r = await cli(emu, ['jobs', 'export', job, '-o', 'f/report.zip', '--force'], dir);
    expect(r.code).toBe(4);
    expect(r.stderr).not.toContain('--force');
    expect(await fs.readFile(path.join(dir, 'f/report.zip'), 'utf8')).toBe('a report, not a zip');
    expect((await fs.readdir(path.join(dir, 'f'))).filter((n) => n.includes('.tmp-') || n.includes('.old-'))).toEqual([]);
  });
});

describe('default names are claimed', () => {
  test('two runs without a state file into one directory at once: both succeed, with distinct names', async () => {
    await sub('together');
    const [a, b] = await Promise.all([
      cli(emu, ['jobs', 'export-workspace', '--full', '-o', 'together/', '--json'], dir),
      cli(emu, ['jobs', 'export-workspace', '--full', '-o', 'together/', '--json'], dir),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const [pa, pb] = [JSON.parse(a.stdout).path, JSON.parse(b.stdout).path];
    expect(pa).not.toBe(pb);
    for (const p of [pa, pb]) expect((await fs.stat(p)).size).toBeGreaterThan(0);
    const [c, d] = await Promise.all([
      cli(emu, ['jobs', 'export', job, '--layout', 'dir', '-o', 'together/', '--json'], dir),
      cli(emu, ['jobs', 'export', job, '--layout', 'dir', '-o', 'together/', '--json'], dir),
    ]);
    expect([c.code, d.code, c.stderr, d.stderr]).toEqual([0, 0, c.stderr, d.stderr]);
    expect(JSON.parse(c.stdout).path).not.toBe(JSON.parse(d.stdout).path);
  });

  test('a run that writes nothing gives its claimed name back', async () => {
    const d = await sub('nothing');
    const r = await cli(emu, ['jobs', 'export', '--match', 'no_such_*', '-o', 'nothing/'], dir);
    expect(r.code).toBe(0);
    expect(await fs.readdir(d)).toEqual([]);
  });
});

describe('exit 7 before any request', () => {
  test.each([
    ['a state file in a missing directory', ['--state-file', 'missing-dir/state.json'], 'missing-dir'],
    ['a state file that is a directory', ['--state-file', 'is-a-dir'], 'is-a-dir'],
    ['a state file that is not JSON', ['--state-file', 'garbage.json'], 'garbage.json'],
    ['-o inside a regular file', ['--full', '-o', 'plain-file/out.zip'], 'plain-file'],
  ])('%s', async (_label, args, named) => {
    await fs.mkdir(path.join(dir, 'is-a-dir'), { recursive: true });
    await fs.writeFile(path.join(dir, 'garbage.json'), '{ not json');
    await fs.writeFile(path.join(dir, 'plain-file'), 'x');
    const before = anyCalls();
    const r = await cli(emu, ['jobs', 'export-workspace', ...args], dir);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain(named);
    expect(r.stderr).toMatch(/cannot \w+ \S+: \S/);
    expect(anyCalls()).toBe(before);
  });

  test('jobs export -o under a regular file: exit 7, nothing requested', async () => {
    await fs.writeFile(path.join(dir, 'plain-file'), 'x');
    const before = anyCalls();
    const r = await cli(emu, ['jobs', 'export', job, '-o', 'plain-file/x.zip'], dir);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('plain-file');
    expect(anyCalls()).toBe(before);
  });
});
