/**
 * `jobs export-workspace` end to end: full then incremental runs through a state file, --since,
 * and --keep rotation, against an in-process emulator.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { cliEnv, expectedEntries, makeTempDir, mapDiff, startTestEmulator, zipContents, type Emulator } from './helpers.js';

let emu: Emulator;
let dir: string;

beforeAll(async () => {
  emu = await startTestEmulator({ seedJobs: 60, seed: 11 });
  dir = await makeTempDir('ws');
});
afterAll(async () => {
  await emu?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli(['jobs', 'export-workspace', ...args], { env: cliEnv(emu), cwd: dir });
const jobs = () => emu.state.workspace('default').jobs;
const sortedNames = (names: string[]) => [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
const listed = (stdout: string) => (JSON.parse(stdout).jobList as { name: string }[]).map((j) => j.name);

describe('jobs export-workspace', () => {
  test('--state-file: the first run is full, the next exports only jobs changed in between, then nothing', async () => {
    const state = path.join(dir, 'state.json');
    const first = await cli(['--state-file', 'state.json', '-o', 'backups/', '--json']);
    expect(first.stderr).not.toContain('Error');
    expect(first.code).toBe(0);
    const firstDoc = JSON.parse(first.stdout);
    expect(firstDoc.jobs).toBe(60);
    expect(path.dirname(firstDoc.path)).toBe(path.join(dir, 'backups'));
    expect(path.basename(firstDoc.path)).toMatch(/^dataarts-workspace-default-\d{8}T\d{6}Z(-\d+)?\.zip$/);
    expect(mapDiff(await zipContents(firstDoc.path), expectedEntries(emu, [...jobs().keys()]))).toEqual([]);
    const saved = JSON.parse(await fs.readFile(state, 'utf8'));
    expect(saved).toMatchObject({ version: 2, workspace: 'default' });
    expect(saved.runs).toHaveLength(1);
    expect(saved.runs[0]).toMatchObject({ cutoff: 'full', archive: { path: `backups/${path.basename(firstDoc.path)}`, jobs: 60 } });
    expect(Object.keys(saved.runs[0].set)).toHaveLength(60);

    // Change two jobs through the service's state (their lastUpdateTime becomes now).
    const changed = sortedNames([...jobs().keys()].slice(5, 7));
    for (const name of changed) {
      const job = jobs().get(name)!;
      const json = JSON.parse(job.text);
      json.description = 'changed between runs';
      emu.state.putJob('default', JSON.stringify(json, null, 2));
    }
    const second = await cli(['--state-file', 'state.json', '-o', 'backups/', '--json']);
    expect(second.code).toBe(0);
    const secondDoc = JSON.parse(second.stdout);
    expect(listed(second.stdout)).toEqual(changed);
    expect(secondDoc.path).not.toBe(firstDoc.path);
    expect(mapDiff(await zipContents(secondDoc.path), expectedEntries(emu, changed))).toEqual([]);
    const savedAgain = JSON.parse(await fs.readFile(state, 'utf8'));
    expect(savedAgain.runs).toHaveLength(2);
    expect(savedAgain.runs[1].cutoff).toBe(saved.runs[0].startedAt);
    expect(Object.keys(savedAgain.runs[1].set).sort()).toEqual(changed);

    const third = await cli(['--state-file', 'state.json', '-o', 'backups/', '--json']);
    expect(third.code).toBe(0);
    expect(JSON.parse(third.stdout)).toMatchObject({ jobs: 0, path: null });
    expect((await fs.readdir(path.join(dir, 'backups'))).filter((n) => n.endsWith('.zip') && !n.endsWith('.scripts.zip')).length).toBe(2);
    const last = JSON.parse(await fs.readFile(state, 'utf8')).runs.at(-1);
    expect(last.archive).toBeNull();
    expect(last.set).toBeUndefined();
  });

  test('--since selects by lastUpdateTime (ISO time and duration); a bad value is a usage error', async () => {
    const times = [...jobs().values()].map((j) => j.lastUpdateTime).sort((a, b) => a - b);
    const cutoff = times[Math.floor(times.length / 2)]!;
    const wanted = sortedNames([...jobs().values()].filter((j) => j.lastUpdateTime >= cutoff).map((j) => j.name));
    const iso = await cli(['--since', new Date(cutoff).toISOString(), '-o', 'since.zip', '--json']);
    expect(iso.code).toBe(0);
    expect(listed(iso.stdout)).toEqual(wanted);
    expect(wanted.length).toBeLessThan(jobs().size);

    const dur = await cli(['--since', '15d', '-o', 'since-15d.zip', '--json']);
    expect(dur.code).toBe(0);
    const bound = Date.now() - 15 * 86_400_000;
    const roughly = [...jobs().values()].filter((j) => j.lastUpdateTime >= bound).length;
    expect(Math.abs(JSON.parse(dur.stdout).jobs - roughly)).toBeLessThanOrEqual(1);

    const bad = await cli(['--since', 'yesterday-ish', '-o', 'bad.zip']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('yesterday-ish');
    expect(existsSync(path.join(dir, 'bad.zip'))).toBe(false);
    const none = await cli(['-o', 'none.zip']);
    expect(none.code).toBe(2);
  });

  test('--keep 2 leaves the two newest complete archives this command wrote and touches nothing else', async () => {
    const rot = path.join(dir, 'rot');
    await fs.mkdir(rot);
    const foreign = ['notes.txt', 'dataarts-workspace-other-20200101T000000Z.zip', 'dataarts-jobs-default-20200101T000000Z.zip'];
    for (const f of foreign) await fs.writeFile(path.join(rot, f), 'not ours');
    // A file with our default name but no manifest (what a killed run leaves): neither counted as a
    // backup nor deleted by --keep (issue 19: it used to count, and a good backup went).
    await fs.writeFile(path.join(rot, 'dataarts-workspace-default-20200101T000000Z.zip'), '');
    const written: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await cli(['--full', '--jobs-only', '-o', 'rot/', '--keep', '2', '--json']);
      expect(r.code).toBe(0);
      written.push(JSON.parse(r.stdout).path);
    }
    const left = (await fs.readdir(rot)).sort();
    const ours = left.filter((n) => /^dataarts-workspace-default-.*\.zip$/.test(n));
    expect(ours.map((n) => path.join(rot, n)).sort()).toEqual([path.join(rot, 'dataarts-workspace-default-20200101T000000Z.zip'), ...written.slice(1)].sort());
    for (const f of foreign) expect(left).toContain(f);
    for (const w of written.slice(1)) expect(left).toContain(`${path.basename(w)}.manifest.json`);
    expect(left).not.toContain(`${path.basename(written[0]!)}.manifest.json`);
  });

  test('a full export of a workspace over 10,000 jobs is refused on the first pages, before any export call', async () => {
    const big = await startTestEmulator({ seedJobs: 0, seed: 3 });
    try {
      const template = JSON.parse(jobs().values().next().value!.text) as Record<string, unknown>;
      for (let i = 0; i <= 10_000; i++) big.state.putJob('default', { ...template, name: `bulk_${String(i).padStart(5, '0')}` });
      const r = await runCli(['jobs', 'export-workspace', '--full', '-o', 'too-many.zip'], { env: cliEnv(big), cwd: dir });
      expect(r.code).toBe(4);
      expect(r.stderr).toContain('10001 jobs changed, more than the 10000');
      expect(big.requests.filter((q) => q.path.includes('export'))).toEqual([]);
      expect(existsSync(path.join(dir, 'too-many.zip'))).toBe(false);
    } finally {
      await big.close();
    }
  });
});
