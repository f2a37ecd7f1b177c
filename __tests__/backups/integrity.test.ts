/**
 * Issue 19, what could go wrong with a backup repository, against a local directory and an OBS
 * prefix alike: a damaged archive starts a new chain (with a warning naming it) and `backups list`
 * marks it; an edited or truncated state file is refused naming the first bad record (and an old
 * unchained one accepted and upgraded); an `obs://` output never makes a local folder; two lock
 * takeovers at once never both win.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { cli, startBackupEmulator, tempDir, changeJob, type Emulator } from './helpers.js';
import { makeContext } from '../config/context.js';
import { emulatorEnv } from '../helpers/emulator-env.js';
import { openBackupAccess } from '../../src/backups/open-state.js';
import { acquireLock } from '../../src/backups/lock.js';
import { DeterministicZipWriter } from '../../src/archive/zip-write.js';
import { writeManifestNamed } from '../../src/export/manifest.js';
import { InterruptedError } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';

const BUCKET = 'dataarts-staging';
let emu: Emulator;
let dir: string;

beforeAll(async () => {
  emu = await startBackupEmulator(12);
  dir = await tempDir('integrity');
});
afterAll(async () => {
  await emu?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

interface RepoView {
  kind: 'local' | 'obs';
  base: (name: string) => string;
  read(rel: string): Promise<Buffer | undefined>;
  write(rel: string, data: Buffer | string): Promise<void>;
}

const LOCAL: RepoView = {
  kind: 'local',
  base: (name) => `${name}/`,
  read: (rel) => fs.readFile(path.join(dir, rel)).catch(() => undefined),
  write: (rel, data) => fs.writeFile(path.join(dir, rel), data),
};
const OBS: RepoView = {
  kind: 'obs',
  base: (name) => `obs://${BUCKET}/${name}/`,
  read: async (rel) => emu.state.obsObject(BUCKET, rel),
  // Damage as a user would: another tool writes the object again (new bytes, no dataarts metadata).
  write: async (rel, data) => void emu.state.putObsObject(BUCKET, rel, Buffer.from(data)),
};

const names = () => [...emu.state.workspace('default').jobs.keys()].sort();

describe.each([LOCAL, OBS])('$kind repository', (repo) => {
  const night = (name: string, extra: string[] = []) =>
    cli(emu, ['jobs', 'export-workspace', '--state-file', `${repo.base(name)}state.json`, '-o', repo.base(name), ...extra], dir);
  const state = async (name: string) => JSON.parse((await repo.read(`${name}/state.json`))!.toString('utf8'));

  test('one byte of the chain\'s last archive damaged: the next night warns naming it and starts a full chain (exit 0); backups list marks it DAMAGED', async () => {
    const name = `damage-${repo.kind}`;
    if (repo.kind === 'local') await fs.mkdir(path.join(dir, name));
    expect((await night(name)).code).toBe(0);
    changeJob(emu, names()[1]!, `damage ${repo.kind}`);
    expect((await night(name)).code).toBe(0);
    const before = await state(name);
    expect(before.runs.map((r: { cutoff: string }) => r.cutoff === 'full')).toEqual([true, false]);
    const last = `${name}/${before.runs[1].archive.path}`;
    const bytes = Buffer.from((await repo.read(last))!);
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    await repo.write(last, bytes);

    const list = await cli(emu, ['backups', 'list', '--state-file', `${repo.base(name)}state.json`], dir);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/incremental .* DAMAGED/);
    expect(list.stderr).toContain('is damaged');

    const next = await night(name);
    expect(next.code).toBe(0);
    expect(next.stderr).toContain(before.runs[1].archive.path);
    expect(next.stderr).toContain('starts a new chain with a full archive');
    const after = await state(name);
    expect(after.runs.at(-1).cutoff).toBe('full');
    expect(after.runs.at(-1).archive.jobs).toBe(names().length);
  });

  test('an edited state is refused (exit 4) naming the first bad record; a truncated one too; nothing is requested or written', async () => {
    const name = `tamper-${repo.kind}`;
    if (repo.kind === 'local') await fs.mkdir(path.join(dir, name));
    for (let n = 0; n < 3; n++) {
      changeJob(emu, names()[2]!, `tamper ${n}`);
      expect((await night(name)).code).toBe(0);
    }
    const good = (await repo.read(`${name}/state.json`))!.toString('utf8');
    const lines = good.split('\n');
    // lines: head, run 1, run 2, run 3, closing hash
    const withoutRun2 = [lines[0], lines[1], lines[3], ...lines.slice(4)].join('\n');
    await repo.write(`${name}/state.json`, withoutRun2);
    const requests = emu.requests.filter((r) => r.path.startsWith('/v1/')).length;
    const restore = await cli(emu, ['backups', 'restore', '--state-file', `${repo.base(name)}state.json`, '-o', `never-${repo.kind}.zip`], dir);
    expect(restore.code).toBe(4);
    expect(restore.stderr).toContain('run 2');
    expect(existsSync(path.join(dir, `never-${repo.kind}.zip`))).toBe(false);
    const run = await night(name);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('run 2');
    expect(emu.requests.filter((r) => r.path.startsWith('/v1/')).length).toBe(requests);

    // The last record removed (the file cut after run 2, its hash kept): refused naming where it ends.
    await repo.write(`${name}/state.json`, [lines[0], lines[1], lines[2]!.replace(/,$/, ''), ...lines.slice(4)].join('\n'));
    const cut = await cli(emu, ['backups', 'list', '--state-file', `${repo.base(name)}state.json`], dir);
    expect(cut.code).toBe(4);
    expect(cut.stderr).toContain('after run 2');
    // Truncated in the middle of a line.
    await repo.write(`${name}/state.json`, good.slice(0, good.length - 200));
    const half = await cli(emu, ['backups', 'list', '--state-file', `${repo.base(name)}state.json`], dir);
    expect(half.code).toBe(4);
    expect(half.stderr).toMatch(/run 3 is cut short/);

    // A state written before the chain existed (no prev, no hash): accepted, and chained by the next run.
    const unchained = good.replace(/,"prev":"[0-9a-f]{64}"/g, '').replace(/,"hash":"[0-9a-f]{64}"/, '');
    await repo.write(`${name}/state.json`, unchained);
    const upgraded = await night(name);
    expect(upgraded.code).toBe(0);
    expect(upgraded.stderr).toContain('older dataarts');
    expect((await repo.read(`${name}/state.json`))!.toString('utf8')).toMatch(/"hash":"[0-9a-f]{64}"/);
  });

  test('a run that died after putting its archive in place but before recording it: the next run removes that archive (and only it)', async () => {
    const name = `died-${repo.kind}`;
    if (repo.kind === 'local') await fs.mkdir(path.join(dir, name));
    expect((await night(name)).code).toBe(0);
    const recordedBefore = (await repo.read(`${name}/state.json`))!;
    changeJob(emu, names()[3]!, `died ${repo.kind}`);
    const died = await night(name, ['--json']);
    expect(died.code).toBe(0);
    const orphan = JSON.parse(died.stdout).path as string;
    // As if the process had died before the state write: the state does not know the archive.
    await repo.write(`${name}/state.json`, recordedBefore);
    const next = await night(name);
    expect(next.code).toBe(0);
    expect(next.stderr).toContain(`removed ${orphan}: a run on this state file wrote it and died before recording it`);
    const st = await state(name);
    // (job archives and the nights' script captures)
    const recorded = st.runs.flatMap((r: { archive: { path: string } | null; scriptArchive?: { path: string } }) => [r.archive?.path, r.scriptArchive?.path]).filter(Boolean);
    const zips = repo.kind === 'local'
      ? (await fs.readdir(path.join(dir, name))).filter((n) => n.endsWith('.zip'))
      : emu.state.obsKeys(BUCKET).filter((k) => k.startsWith(`${name}/`) && k.endsWith('.zip')).map((k) => k.slice(name.length + 1));
    expect(zips.sort()).toEqual(recorded.sort());
  });

  test('two lock takeovers at once, many times: never both hold the lock; a stale lock is removed with a warning', async () => {
    const name = `locks-${repo.kind}`;
    if (repo.kind === 'local') await fs.mkdir(path.join(dir, name));
    const ctx = makeContext({ cwd: dir, env: emulatorEnv(emu) });
    const access = openBackupAccess(ctx);
    const stateFile = repo.kind === 'local' ? path.join(dir, name, 'state.json') : `obs://${BUCKET}/${name}/state.json`;
    const dead = spawnSync('true').pid!;
    const staleLock = JSON.stringify({ pid: dead, host: os.hostname(), startedAt: '2026-11-01T00:00:00.000Z', token: 'dead' });
    try {
      for (let round = 0; round < 6; round++) {
        await repo.write(`${name}/state.json.lock`, staleLock);
        const warnings: string[] = [];
        const options = { cleanup: ctx.deps.cleanup, now: () => new Date(), warn: (m: string) => warnings.push(m), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms / 20)) };
        const attempts = await Promise.allSettled([acquireLock(access.repo, stateFile, options), acquireLock(access.repo, stateFile, options)]);
        const held = attempts.filter((a) => a.status === 'fulfilled');
        expect(held.length).toBeLessThanOrEqual(1);
        if (held.length !== 1) throw new Error(attempts.map((a) => (a.status === 'rejected' ? String(a.reason) : 'held')).join(' / '));
        expect(warnings.join('\n')).toContain(`pid ${dead}`);
        for (const a of attempts) if (a.status === 'rejected') expect(String(a.reason)).toContain(`pid ${process.pid}`);
        await (held[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireLock>>>).value.release();
      }
      expect(await repo.read(`${name}/state.json.lock`)).toBeUndefined();
      // A holder refreshes its entry while it runs (every 5 minutes; here every 30 ms).
      let clock = Date.parse('2026-12-01T00:00:00Z');
      const refreshing = await acquireLock(access.repo, stateFile, { cleanup: ctx.deps.cleanup, now: () => new Date((clock += 60_000)), warn: () => {}, refreshEveryMs: 30 });
      const firstSeen = JSON.parse((await access.repo.read(refreshing.path))!.toString('utf8')).refreshedAt as string;
      await new Promise((r) => setTimeout(r, 150));
      const later = JSON.parse((await access.repo.read(refreshing.path))!.toString('utf8'));
      expect(Date.parse(later.refreshedAt)).toBeGreaterThan(Date.parse(firstSeen));
      expect(later.held).toBe(true);
      await refreshing.release();
      // A holder whose entry another run removed as stale finds out before it writes the state.
      const options = { cleanup: ctx.deps.cleanup, now: () => new Date(), warn: () => {} };
      const held = await acquireLock(access.repo, stateFile, options);
      await access.repo.remove(held.path);
      await expect(held.check()).rejects.toMatchObject({ exitCode: 4 });
      await held.release();
      expect(existsSync(path.join(dir, 'obs:'))).toBe(false);
    } finally {
      await access.close();
    }
  });
});

test('-o obs://… without a state file writes the archive to OBS and no local folder named "obs:" (issue 19)', async () => {
  const r = await cli(emu, ['jobs', 'export-workspace', '--full', '-o', `obs://${BUCKET}/plain/`, '--json'], dir);
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.path).toMatch(new RegExp(`^obs://${BUCKET}/plain/dataarts-workspace-default-\\d{8}T\\d{6}Z\\.zip$`));
  expect(emu.state.obsObject(BUCKET, out.path.slice(`obs://${BUCKET}/`.length))).toBeDefined();
  expect(existsSync(path.join(dir, 'obs:'))).toBe(false);
  expect((await fs.readdir(os.tmpdir())).filter((n) => n.startsWith(`dataarts-scratch-${process.pid}-`))).toEqual([]);
});

describe('local files', () => {
  test('--force replaces only a zip this tool wrote: a zip made by another program is refused (exit 4) and left alone', async () => {
    const photos = path.join(dir, 'family-photos.zip');
    const writer = DeterministicZipWriter.open(photos);
    writer.add('a.jpg', Buffer.from('jpeg bytes'));
    await writer.finish('my holiday pictures');
    const before = await fs.readFile(photos);
    const r = await cli(emu, ['jobs', 'export-workspace', '--full', '-o', 'family-photos.zip', '--force'], dir);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('not an output of dataarts');
    expect(await fs.readFile(photos)).toEqual(before);
    // One of ours (its comment says so) is replaced.
    expect((await cli(emu, ['jobs', 'export-workspace', '--full', '-o', 'ours.zip'], dir)).code).toBe(0);
    expect((await cli(emu, ['jobs', 'export-workspace', '--full', '-o', 'ours.zip', '--force'], dir)).code).toBe(0);
  });

  test('what a killed run left (its placeholder, its staging directory) is removed by the next run; --keep counts only complete archives', async () => {
    const d = path.join(dir, 'killed');
    await fs.mkdir(d);
    const dead = spawnSync('true').pid!;
    const mark = JSON.stringify({ pid: dead, host: os.hostname() });
    const placeholder = path.join(d, 'dataarts-workspace-default-20200101T000000Z.zip');
    await fs.writeFile(placeholder, `dataarts placeholder ${mark}\n`);
    const staging = path.join(d, '.dataarts-workspace-default-20200101T000000Z.zip.tmp-AbC123');
    await fs.mkdir(staging);
    await fs.writeFile(path.join(staging, '.dataarts-owner'), mark);
    await fs.writeFile(path.join(staging, 'archive.zip'), Buffer.alloc(1000));
    // A live run's placeholder (this process) stays.
    const live = path.join(d, 'dataarts-workspace-default-20200101T000001Z.zip');
    await fs.writeFile(live, `dataarts placeholder ${JSON.stringify({ pid: process.pid, host: os.hostname() })}\n`);
    const written: string[] = [];
    for (let n = 0; n < 3; n++) {
      const r = await cli(emu, ['jobs', 'export-workspace', '--full', '-o', 'killed/', '--keep', '2', '--json'], dir);
      expect(r.code).toBe(0);
      written.push(JSON.parse(r.stdout).path);
      if (n === 0) expect(r.stderr).toContain('left by a run that was killed');
    }
    const left = (await fs.readdir(d)).sort();
    expect(left).toEqual([path.basename(live), ...written.slice(1).flatMap((w) => [path.basename(w), `${path.basename(w)}.manifest.json`])].sort());
    for (const w of written.slice(1)) expect((await fs.stat(w)).mode & 0o777).toBe(0o600);
  });

  test('a local write error while a download streams is exit 7 naming the path at once (not retried as a network failure)', async () => {
    emu.state.putObsObject(BUCKET, 'dl/blob', Buffer.alloc(200_000, 7));
    const ctx = makeContext({ cwd: dir, env: emulatorEnv(emu) });
    const access = openBackupAccess(ctx);
    try {
      const before = emu.requests.length;
      const err = (await access.repo.download(`obs://${BUCKET}/dl/blob`, '/dev/full').catch((e: unknown) => e)) as { exitCode?: number; message?: string };
      expect(err.exitCode).toBe(7);
      expect(err.message).toBe('cannot write /dev/full: no space left on device');
      expect(emu.requests.length - before).toBe(1);
    } finally {
      await access.close();
    }
  });

  test('a manifest that cannot be written is exit 7 naming the manifest', async () => {
    const err = (await writeManifestNamed('/backups/x.zip.manifest.json', '/dev/full', {
      command: 'jobs export-workspace', workspace: 'w', layout: 'zip', archiveName: 'x.zip', selection: {}, generatedAt: new Date(), jobList: [],
      entries: [{ name: 'jobs/a/a.job', job: 'a', size: 1, sha256: 'f'.repeat(64) }], bytes: 1, sha256: 'f'.repeat(64),
    }).catch((e: unknown) => e)) as { exitCode?: number; message?: string };
    expect(err.exitCode).toBe(7);
    expect(err.message).toBe('cannot write /backups/x.zip.manifest.json: no space left on device');
  });
});

test('-o obs://… of a command that writes local archives is exit 2, and no folder named "obs:" appears', async () => {
  for (const args of [['jobs', 'export', names()[0]!, '-o', `obs://${BUCKET}/x/`], ['backups', 'restore', '--state-file', 'nowhere.json', '-o', `obs://${BUCKET}/r.zip`]]) {
    const r = await cli(emu, args, dir);
    expect([2, 7]).toContain(r.code);
    expect(existsSync(path.join(dir, 'obs:'))).toBe(false);
  }
  const r = await cli(emu, ['jobs', 'export', names()[0]!, '-o', `obs://${BUCKET}/x/`], dir);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('writes a local archive');
});

test.each([
  ['SIGTERM', '/jobs/batch-export', 143],
  ['SIGINT', '.zip', 130],
] as const)('%s during an OBS night (at the first %s request) exits %i and leaves no object, lock entry or scratch directory', async (sig, at, code) => {
  const controller = new AbortController();
  const before = emu.requests.length;
  emu.setLatency(40);
  const watcher = setInterval(() => {
    if (emu.requests.slice(before).some((q) => q.path.endsWith(at) && (at !== '.zip' || q.method === 'PUT'))) {
      clearInterval(watcher);
      controller.abort(new InterruptedError(sig));
    }
  }, 2);
  try {
    const r = await runCli(['jobs', 'export-workspace', '--full', '-o', `obs://${BUCKET}/sig-${sig}/`, '--state-file', `obs://${BUCKET}/sig-${sig}/state.json`], {
      env: emulatorEnv(emu), cwd: dir, signal: controller.signal,
    });
    expect(controller.signal.aborted).toBe(true);
    expect(r.code).toBe(code);
  } finally {
    clearInterval(watcher);
    emu.setLatency(0);
  }
  expect(emu.state.obsKeys(BUCKET).filter((k) => k.startsWith(`sig-${sig}/`))).toEqual([]);
  expect((await fs.readdir(os.tmpdir())).filter((n) => n.startsWith(`dataarts-scratch-${process.pid}-`))).toEqual([]);
});
