/**
 * Backups you can restore, tried as a cron job would: nights of `jobs export-workspace
 * --state-file --keep 2`, with changes, deletions and nothing changed in between, a second chain
 * started by --full-every; after every night `backups restore` of the newest point, imported into
 * an empty workspace, gives exactly the source workspace's jobs and scripts; `--at` an older kept
 * point gives that night's state. The same nights run against a local directory and an OBS prefix
 * (the emulator's bucket): both repositories pass the same checks.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import {
  STAGING, addJob, changeJob, changeScript, cli, deleteJob, fileDiff, jobWithScript, startBackupEmulator, tempDir, workspaceFiles, type Emulator,
} from './helpers.js';
import { readZipEntries } from '../../src/archive/zip-read.js';
import { EXPORT_BATCH_LIMITS } from '../../src/archive/limits.js';

const RESTORE_WS = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'o1', 'o2', 'o3', 'o4', 'o5', 'o6', 'old'];
const BUCKET = 'dataarts-staging';

/** A backup repository as the tests see it: where to point the CLI, and how to look inside. */
interface RepoView {
  kind: 'local' | 'obs';
  /** `-o` and the directory (prefix) of the state file. */
  base: string;
  /** Restore workspaces (one set per repository: each is compared with the source). */
  ws: string[];
  location(name: string): string;
  read(name: string): Promise<string>;
  exists(name: string): boolean;
}

const LOCAL: RepoView = {
  kind: 'local',
  base: 'b/',
  ws: ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'],
  location: (name) => path.join(dir, 'b', name),
  read: (name) => fs.readFile(path.join(dir, 'b', name), 'utf8'),
  exists: (name) => existsSync(path.join(dir, 'b', name)),
};
const OBS: RepoView = {
  kind: 'obs',
  base: `obs://${BUCKET}/chains/`,
  ws: ['o1', 'o2', 'o3', 'o4', 'o5', 'o6'],
  location: (name) => `obs://${BUCKET}/chains/${name}`,
  read: async (name) => emu.state.obsObject(BUCKET, `chains/${name}`)!.toString('utf8'),
  exists: (name) => emu.state.obsObject(BUCKET, `chains/${name}`) !== undefined,
};
let emu: Emulator;
let dir: string;

beforeAll(async () => {
  emu = await startBackupEmulator(30, RESTORE_WS);
  dir = await tempDir('chains');
});
afterAll(async () => {
  await emu?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const names = () => [...emu.state.workspace('default').jobs.keys()].sort();

async function night(repo: RepoView, args: string[] = []) {
  const r = await cli(emu, ['jobs', 'export-workspace', '--state-file', `${repo.base}state.json`, '-o', repo.base, '--keep', '2', '--quiet', ...args], dir);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r;
}

async function zipFiles(file: string): Promise<Map<string, string>> {
  return new Map((await readZipEntries(file, EXPORT_BATCH_LIMITS)).map((e) => [e.name, e.data.toString('utf8')]));
}

/**
 * Restore the newest point and compare it, file for file, with the source workspace; with
 * `{ imported: true }` also import it into the empty workspace `ws` and compare that (the full
 * night and the last one: an import per night would cost the suite seconds and proves nothing more
 * than the archive's files already do).
 */
async function restoreAndCompare(repo: RepoView, ws: string, options: { imported?: boolean } = {}): Promise<string> {
  const out = `restore-${ws}.zip`;
  const r = await cli(emu, ['backups', 'restore', '--state-file', `${repo.base}state.json`, '-o', out, '--json'], dir);
  expect(r.stderr).not.toContain('Error');
  expect(r.code).toBe(0);
  expect(fileDiff(await zipFiles(path.join(dir, out)), workspaceFiles(emu, 'default'))).toEqual([]);
  if (options.imported) {
    const imported = await cli(emu, ['jobs', 'import', path.join(dir, out), '--duplicate-policy', 'overwrite', '--obs-path', STAGING], dir, ws);
    expect(imported.stderr).not.toContain('Error');
    expect(imported.code).toBe(0);
    expect(fileDiff(workspaceFiles(emu, ws), workspaceFiles(emu, 'default'))).toEqual([]);
  }
  return path.join(dir, out);
}

describe.each([LOCAL, OBS])('backup chains with --keep 2 ($kind repository)', (repo) => {
  test('full night, changes, deletions, a quiet nothing-changed night, a second chain: every newest point restores exactly; --at an older one gives its night', async () => {
    if (repo.kind === 'local') await fs.mkdir(path.join(dir, 'b'));
    const localBefore = (await fs.readdir(dir)).sort();
    // Night 1: full.
    const n1 = await night(repo);
    expect(n1.stdout).toMatch(/dataarts-workspace-default-.*\.zip {2}30 jobs/);
    await restoreAndCompare(repo, repo.ws[0]!, { imported: true });

    // Night 2: a changed job, a changed script (with its job), a new job.
    const [a, b] = names();
    changeJob(emu, a!, 'night 2');
    const { job: sj, script } = jobWithScript(emu, new Set([a!]));
    changeScript(emu, sj, script, '-- changed on night 2\nSELECT 2;\n');
    addJob(emu, b!, 'zz_new_on_night_2');
    const n2 = await night(repo);
    expect(n2.stdout).toMatch(/ 3 jobs /);
    await restoreAndCompare(repo, repo.ws[1]!);

    // Night 3: two deletions (one of them the job added on night 2) and a change.
    const night3Doomed = [names()[3]!, 'zz_new_on_night_2'];
    for (const d of night3Doomed) deleteJob(emu, d);
    changeJob(emu, names()[4]!, 'night 3');
    // A change in the very millisecond a run starts counts for the next night too (at or after
    // the cutoff, on purpose); night 4 must find nothing, so let the clock move on first.
    await sleep(5);
    await night(repo);
    const stateAfter3 = JSON.parse(await repo.read('state.json'));
    const night3At = stateAfter3.runs.at(-1).startedAt as string;
    const night3Files = workspaceFiles(emu, 'default');
    await restoreAndCompare(repo, repo.ws[2]!);

    // Night 4: nothing changed, under --quiet: nothing printed at all, the state still advances
    // and keeps the chain (the full archive of night 1 is still needed and still there).
    const n4 = await night(repo);
    expect(n4.stdout).toBe('');
    const state4 = JSON.parse(await repo.read('state.json'));
    expect(state4.runs).toHaveLength(4);
    expect(state4.runs.at(-1).archive).toBeNull();
    expect(state4.runs[0].cutoff).toBe('full');
    expect(repo.exists(state4.runs[0].archive.path)).toBe(true);
    await restoreAndCompare(repo, repo.ws[3]!);

    // Night 5: --full-every small enough: a second chain starts with a full archive. Night 2
    // also gets a later job, so "--at night 3" must exclude it.
    addJob(emu, names()[0]!, `zz_new_on_night_5_${repo.kind}`);
    await sleep(1100);
    await night(repo, ['--full-every', '1s']);
    const state5 = JSON.parse(await repo.read('state.json'));
    expect(state5.runs.at(-1).cutoff).toBe('full');
    // Points: night 4 and night 5; night 4 needs the first chain, so it is all still there.
    expect(state5.runs.filter((r: { point?: boolean }) => r.point !== false)).toHaveLength(2);
    await restoreAndCompare(repo, repo.ws[4]!);

    // --at night 3 (kept? no: --keep 2 keeps nights 4 and 5) — night 4 has night 3's jobs, so ask for night 4's time.
    const night4At = state5.runs.find((r: { archive: unknown; cutoff: string }, i: number) => i === state5.runs.length - 2).startedAt as string;
    const older = await cli(emu, ['backups', 'restore', '--state-file', `${repo.base}state.json`, '--at', night4At, '-o', `at-night4-${repo.kind}.zip`, '--json'], dir);
    expect(older.code).toBe(0);
    const olderFiles = await zipFiles(path.join(dir, `at-night4-${repo.kind}.zip`));
    expect(fileDiff(olderFiles, night3Files)).toEqual([]);
    expect([...olderFiles.keys()].some((k) => k.includes(`zz_new_on_night_5_${repo.kind}`))).toBe(false);
    expect(night3At < night4At).toBe(true);
    // Before the oldest kept point: refused, naming the oldest.
    const tooOld = await cli(emu, ['backups', 'restore', '--state-file', `${repo.base}state.json`, '--at', night3At, '-o', 'never.zip'], dir);
    expect(tooOld.code).toBe(2);
    expect(tooOld.stderr).toContain(night4At);

    // Night 6: nothing changed; now only chain 2 is needed: chain 1's archives are deleted (and said so in --json).
    const n6 = await cli(emu, ['jobs', 'export-workspace', '--state-file', `${repo.base}state.json`, '-o', repo.base, '--keep', '2', '--json'], dir);
    expect(n6.code).toBe(0);
    const removed = JSON.parse(n6.stdout).removed as string[];
    // Chain 1's job archives and its nights' script captures alike.
    type Run = { archive: { path: string } | null; scriptArchive?: { path: string } };
    const chain1 = (state5.runs.slice(0, -1) as Run[]).flatMap((r) => [r.archive?.path, r.scriptArchive?.path]).filter((p): p is string => p !== undefined).map((p) => repo.location(p));
    expect(removed.sort()).toEqual(chain1.sort());
    for (const r of state5.runs.slice(0, -1).filter((x: { archive: unknown }) => x.archive)) expect(repo.exists(r.archive.path)).toBe(false);
    await restoreAndCompare(repo, repo.ws[5]!, { imported: true });
    // Nothing local appeared but what the user named (the restores, and the release journals of the
    // test's own imports of them); no `obs:` folder, no temp file.
    const localAfter = (await fs.readdir(dir)).filter((n) => !localBefore.includes(n) && !/^dataarts-release-.*\.json$/.test(n));
    expect(localAfter.filter((n) => !/^(restore-.*|at-night4-.*)\.zip(\.manifest\.json)?$/.test(n) && !(repo.kind === 'local' && n === 'b'))).toEqual([]);
    expect(existsSync(path.join(dir, 'obs:'))).toBe(false);
  }, 120_000);
});

describe('cron', () => {

  test('the cron that lost its full backup: four nights with changes, --keep 2, --quiet: the full archive stays and the newest point restores every job', async () => {
    await fs.mkdir(path.join(dir, 'cron'));
    const run = () => cli(emu, ['jobs', 'export-workspace', '--state-file', 'cron/state.json', '-o', 'cron/', '--keep', '2', '--quiet'], dir);
    const first = await run();
    expect(first.code).toBe(0);
    const fullPath = first.stdout.split('  ')[0]!;
    for (let n = 2; n <= 4; n++) {
      changeJob(emu, names()[n]!, `cron night ${n}`);
      const r = await run();
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
    }
    expect(existsSync(fullPath)).toBe(true);
    const zips = (await fs.readdir(path.join(dir, 'cron'))).filter((f) => f.endsWith('.zip') && !f.endsWith('.scripts.zip'));
    expect(zips).toHaveLength(4);
    const r = await cli(emu, ['backups', 'restore', '--state-file', 'cron/state.json', '-o', 'cron-restore.zip'], dir);
    expect(r.code).toBe(0);
    expect(fileDiff(await zipFiles(path.join(dir, 'cron-restore.zip')), workspaceFiles(emu, 'default'))).toEqual([]);
  }, 60_000);
});
