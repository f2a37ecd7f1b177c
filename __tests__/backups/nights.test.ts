/**
 * What users see and keep of their nights (issue 19, part B), end to end over HTTP against the
 * emulator: a script changed without its job is in the next night's restore; the run's --json says
 * full or incremental and what was added, changed and deleted; `backups show|diff`; failed nights
 * recorded and `backups status` exit 0 / 9; `backups forget` with restic's rules; the README's cron
 * line run in a shell prints nothing on a good night; `--since` in the future is exit 2.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STAGING, cli, jobWithScript, startBackupEmulator, tempDir, type Emulator } from './helpers.js';
import { readZipEntries } from '../../src/archive/zip-read.js';
import { EXPORT_BATCH_LIMITS } from '../../src/archive/limits.js';
import { emulatorEnv } from '../helpers/emulator-env.js';

let emu: Emulator;
let dir: string;
const HOUR = 3_600_000;
const BUCKET = 'dataarts-staging';

beforeAll(async () => {
  emu = await startBackupEmulator(12, ['r1']);
  dir = await tempDir('nights');
});
afterAll(async () => {
  await emu?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

const source = () => emu.state.workspace('default');
const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Change a script's content only: its job is not touched (no job's lastUpdateTime moves). */
function changeScriptOnly(script: string, content: string): void {
  const def = { ...source().scripts.get(script)!.json, content };
  emu.state.putScript('default', JSON.stringify(def, null, 2));
}

async function night(stateDir: string, extra: string[] = [], now?: Date) {
  const r = await cli(emu, ['jobs', 'export-workspace', '--state-file', `${stateDir}/state.json`, '-o', `${stateDir}/`, '--json', ...extra], dir, 'default', now);
  expect(r.stderr).not.toMatch(/Error/);
  expect(r.code).toBe(0);
  return json(r.stdout);
}

describe('scripts in the nights', () => {
  test('a script changed without its job is captured that night and is in its restore; --json says what changed; show and diff name it', async () => {
    await fs.mkdir(path.join(dir, 's'));
    const { job, script } = jobWithScript(emu);
    const scriptCount = source().scripts.size;

    const n1 = await night('s');
    expect(n1.kind).toBe('full');
    expect(n1.changes.jobs.added).toHaveLength(source().jobs.size);
    expect(n1.changes.scripts.added).toHaveLength(scriptCount);
    expect(n1.scriptArchive.scripts).toBe(scriptCount);
    expect(n1.totalBytes).toBe(n1.bytes + n1.scriptArchive.bytes);
    expect(typeof n1.durationMs).toBe('number');

    changeScriptOnly(script, '-- changed alone\nSELECT 42;\n');
    const n2 = await night('s');
    expect(n2).toMatchObject({ kind: 'incremental', path: null, jobs: 0 });
    expect(n2.changes.jobs).toEqual({ added: [], changed: [], deleted: [] });
    expect(n2.changes.scripts).toEqual({ added: [], changed: [script], deleted: [] });
    expect(n2.scriptArchive.scripts).toBe(1);
    const captured = await readZipEntries(n2.scriptArchive.path, EXPORT_BATCH_LIMITS);
    expect(captured.map((e) => e.name)).toEqual([`scripts/${script}.script`]);

    // The restore of night 2 holds the script as it was that night, in its (unchanged) job's folder.
    const r = await cli(emu, ['backups', 'restore', '--state-file', 's/state.json', '-o', 'restore-s.zip'], dir);
    expect(r.code).toBe(0);
    const restored = new Map((await readZipEntries(path.join(dir, 'restore-s.zip'), EXPORT_BATCH_LIMITS)).map((e) => [e.name, e.data.toString('utf8')]));
    expect(JSON.parse(restored.get(`jobs/${job}/${script}.script`)!).content).toBe('-- changed alone\nSELECT 42;\n');
    // … and importing it gives the workspace that script's content.
    const imported = await cli(emu, ['jobs', 'import', path.join(dir, 'restore-s.zip'), '--duplicate-policy', 'overwrite', '--obs-path', STAGING], dir, 'r1');
    expect(imported.code).toBe(0);
    expect(emu.state.workspace('r1').scripts.get(script)!.json.content).toBe('-- changed alone\nSELECT 42;\n');
    // The restore of night 1 still has the old content.
    const state = json(await fs.readFile(path.join(dir, 's/state.json'), 'utf8'));
    const night1 = state.runs[0].startedAt as string;
    const old = await cli(emu, ['backups', 'restore', '--state-file', 's/state.json', '--at', night1, '-o', 'restore-s1.zip'], dir);
    expect(old.code).toBe(0);
    const oldFiles = new Map((await readZipEntries(path.join(dir, 'restore-s1.zip'), EXPORT_BATCH_LIMITS)).map((e) => [e.name, e.data.toString('utf8')]));
    expect(JSON.parse(oldFiles.get(`jobs/${job}/${script}.script`)!).content).not.toBe('-- changed alone\nSELECT 42;\n');

    // A deleted script is known as deleted.
    const doomed = [...source().scripts.keys()].find((s) => s !== script)!;
    source().scripts.delete(doomed);
    emu.state.changed();
    const n3 = await night('s');
    expect(n3.changes.scripts).toEqual({ added: [], changed: [], deleted: [doomed] });
    expect(n3.scriptArchive).toBeNull();

    // show: the jobs and scripts of a point; diff: what changed between two, with --detail the paths.
    const shown = json((await cli(emu, ['backups', 'show', '--state-file', 's/state.json', '--json'], dir)).stdout);
    expect(shown.jobs).toHaveLength(source().jobs.size);
    expect(shown.scripts.map((s: { name: string }) => s.name)).toEqual([...source().scripts.keys()].sort());
    const showText = await cli(emu, ['backups', 'show', '--state-file', 's/state.json', '--at', night1], dir);
    expect(showText.code).toBe(0);
    expect(showText.stdout).toContain(`script  ${doomed}`);
    const night2 = state.runs[1].startedAt as string;
    const diff = await cli(emu, ['backups', 'diff', '--state-file', 's/state.json', night1, night2, '--detail', '--json'], dir);
    expect(diff.code).toBe(0);
    const d = json(diff.stdout);
    expect(d.jobs).toEqual({ added: [], removed: [], changed: [], changes: {} });
    expect(d.scripts.changed).toEqual([script]);
    expect(d.scripts.changes[script]).toEqual([expect.objectContaining({ path: 'content', to: '-- changed alone\nSELECT 42;\n' })]);
    const diffText = await cli(emu, ['backups', 'diff', '--state-file', 's/state.json', night1, new Date().toISOString()], dir);
    expect(diffText.stdout.split('\n')).toEqual(expect.arrayContaining([`~ script ${script}`, `- script ${doomed}`]));
    // A restore of a name the point does not hold points at `backups show`.
    const unknown = await cli(emu, ['backups', 'restore', '--state-file', 's/state.json', 'no_such_job', '-o', 'x.zip'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('backups show');

    // The captures are part of the chain: listed, verified, checked before a night extends it.
    const listed = json((await cli(emu, ['backups', 'list', '--state-file', 's/state.json', '--json'], dir)).stdout);
    const newest = listed.points.at(-1);
    expect(newest.archives.map((a: { path: string }) => path.basename(a.path))).toEqual(expect.arrayContaining([path.basename(n1.scriptArchive.path), path.basename(n2.scriptArchive.path)]));
    const capture = n2.scriptArchive.path as string;
    const bytes = await fs.readFile(capture);
    bytes[40] = bytes[40]! ^ 0xff;
    await fs.writeFile(capture, bytes);
    const verify = await cli(emu, ['backups', 'verify', '--state-file', 's/state.json'], dir);
    expect(verify.code).toBe(4);
    expect(verify.stderr).toContain(capture);
    const afterDamage = await cli(emu, ['jobs', 'export-workspace', '--state-file', 's/state.json', '-o', 's/', '--json'], dir);
    expect(afterDamage.code).toBe(0);
    expect(afterDamage.stderr).toContain(`${capture} is damaged`);
    expect(json(afterDamage.stdout).kind).toBe('full');
  }, 60_000);
});

describe('a night that died before recording its script capture', () => {
  test('the next night on the state removes that capture (its zip comment names the state) and captures the change again', async () => {
    await fs.mkdir(path.join(dir, 'k'));
    await night('k');
    const recordedBefore = await fs.readFile(path.join(dir, 'k/state.json'));
    const { script } = jobWithScript(emu);
    changeScriptOnly(script, '-- changed before a crash\nSELECT 3;\n');
    const died = await night('k');
    const orphan = died.scriptArchive.path as string;
    // As if the process had died before the state write: the state does not know the capture.
    await fs.writeFile(path.join(dir, 'k/state.json'), recordedBefore);
    const next = await cli(emu, ['jobs', 'export-workspace', '--state-file', 'k/state.json', '-o', 'k/', '--json'], dir);
    expect(next.code).toBe(0);
    expect(next.stderr).toContain(`removed ${orphan}: a run on this state file wrote it and died before recording it`);
    // (The new capture may take the same name within the same second: what counts is that every
    // capture left is one the state records.)
    const doc = json(next.stdout);
    expect(doc.changes.scripts.changed).toEqual([script]);
    const state = json(await fs.readFile(path.join(dir, 'k/state.json'), 'utf8'));
    const captures = (await fs.readdir(path.join(dir, 'k'))).filter((n) => n.endsWith('.scripts.zip')).map((n) => path.join(dir, 'k', n)).sort();
    expect(captures).toEqual(state.runs.map((r: { scriptArchive?: { path: string } }) => r.scriptArchive?.path).filter(Boolean).map((p: string) => path.join(dir, 'k', p)).sort());
  }, 60_000);
});

describe('an obs:// repository', () => {
  test('a script-only change, show, diff --detail, status and forget work on OBS as locally, and nothing local appears', async () => {
    const base = `obs://${BUCKET}/nights/`;
    const { job, script } = jobWithScript(emu, new Set(['x']));
    const before = await fs.readdir(dir);
    const n1 = await night(base.slice(0, -1));
    expect(n1.scriptArchive.path).toMatch(/^obs:\/\/.*\.scripts\.zip$/);
    changeScriptOnly(script, '-- changed alone on OBS\nSELECT 7;\n');
    const n2 = await night(base.slice(0, -1));
    expect(n2.changes.scripts.changed).toEqual([script]);
    const r = await cli(emu, ['backups', 'restore', '--state-file', `${base}state.json`, '-o', 'restore-obs.zip'], dir);
    expect(r.code).toBe(0);
    const restored = new Map((await readZipEntries(path.join(dir, 'restore-obs.zip'), EXPORT_BATCH_LIMITS)).map((e) => [e.name, e.data.toString('utf8')]));
    expect(JSON.parse(restored.get(`jobs/${job}/${script}.script`)!).content).toBe('-- changed alone on OBS\nSELECT 7;\n');
    const shown = json((await cli(emu, ['backups', 'show', '--state-file', `${base}state.json`, '--json'], dir)).stdout);
    expect(shown.scripts.length).toBe(source().scripts.size);
    const state = JSON.parse(emu.state.obsObject(BUCKET, 'nights/state.json')!.toString('utf8'));
    const d = json((await cli(emu, ['backups', 'diff', '--state-file', `${base}state.json`, state.runs[0].startedAt, state.runs[1].startedAt, '--detail', '--json'], dir)).stdout);
    expect(d.scripts.changes[script]).toEqual([expect.objectContaining({ path: 'content' })]);
    expect((await cli(emu, ['backups', 'status', '--state-file', `${base}state.json`, '--max-age', '1h'], dir)).code).toBe(0);
    expect((await cli(emu, ['backups', 'verify', '--state-file', `${base}state.json`], dir)).code).toBe(0);
    const forget = json((await cli(emu, ['backups', 'forget', '--state-file', `${base}state.json`, '--keep-last', '1', '--dry-run', '--json'], dir)).stdout);
    expect(forget.points.map((p: { keep: boolean }) => p.keep)).toEqual([false, true]);
    // Only the restore the user named appeared locally.
    expect((await fs.readdir(dir)).filter((n) => !before.includes(n)).sort()).toEqual(['restore-obs.zip', 'restore-obs.zip.manifest.json']);
  }, 60_000);
});

describe('monitoring', () => {
  test('status exit 0 after a good night, 9 when stale or when the last night failed (recorded with its exit code, no secret), 0 again after a good one', async () => {
    await fs.mkdir(path.join(dir, 'm'));
    await night('m');
    const ok = await cli(emu, ['backups', 'status', '--state-file', 'm/state.json', '--max-age', '1h'], dir);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok {2}newest restore point/);
    expect(ok.stderr).toBe('');

    const later = new Date(Date.now() + 2 * HOUR);
    const stale = await cli(emu, ['backups', 'status', '--state-file', 'm/state.json', '--max-age', '1h'], dir, 'default', later);
    expect(stale.code).toBe(9);
    expect(stale.stderr).toContain('stale');

    // A night that fails after taking the lock (its output is under a regular file): exit 7, recorded.
    await fs.writeFile(path.join(dir, 'm/not-a-dir'), 'x');
    const failed = await cli(emu, ['jobs', 'export-workspace', '--state-file', 'm/state.json', '-o', 'm/not-a-dir/out.zip'], dir);
    expect(failed.code).toBe(7);
    const state = json(await fs.readFile(path.join(dir, 'm/state.json'), 'utf8'));
    expect(state.failures).toHaveLength(1);
    expect(state.failures[0]).toMatchObject({ exitCode: 7 });
    expect(JSON.stringify(state)).not.toContain(emu.credentials.sk);
    const bad = await cli(emu, ['backups', 'status', '--state-file', 'm/state.json', '--max-age', '1h', '--json'], dir);
    expect(bad.code).toBe(9);
    const doc = json(bad.stdout);
    expect(doc).toMatchObject({ ok: false, lastRunFailed: true });
    expect(bad.stderr).toContain('the last run failed');
    expect(bad.stderr).toContain('exit 7');

    // The failure is covered by the state's own hash: removing it by hand is refused, not believed.
    const text = await fs.readFile(path.join(dir, 'm/state.json'), 'utf8');
    await fs.writeFile(path.join(dir, 'm/edited.json'), text.replace(/,"failures":\[.*?\]/, ''));
    expect(text).toContain('"failures":[');
    const edited = await cli(emu, ['backups', 'status', '--state-file', 'm/edited.json', '--max-age', '1h'], dir);
    expect(edited.code).toBe(4);
    expect(edited.stderr).toContain('changed outside dataarts');

    await night('m');
    expect((await cli(emu, ['backups', 'status', '--state-file', 'm/state.json', '--max-age', '1h'], dir)).code).toBe(0);
    expect(json(await fs.readFile(path.join(dir, 'm/state.json'), 'utf8')).failures).toBeUndefined();
    // A bad --max-age is a usage error.
    expect((await cli(emu, ['backups', 'status', '--state-file', 'm/state.json', '--max-age', 'soon'], dir)).code).toBe(2);
  }, 60_000);

  test('--since in the future is exit 2 naming it, before any request', async () => {
    const before = emu.requests.length;
    const r = await cli(emu, ['jobs', 'export-workspace', '--since', '2099-01-01', '-o', 'never.zip'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--since 2099-01-01 is in the future');
    expect(emu.requests.length).toBe(before);
    expect(existsSync(path.join(dir, 'never.zip'))).toBe(false);
  });
});

describe('retention', () => {
  test('forget --dry-run changes nothing; forget keeps by the rules, keeps what a kept point needs, removes the rest and says why', async () => {
    // (The calendar rules over many days are unit-tested in retention.test.ts: the service signs
    // with the real clock, so these nights all fall on today.)
    await fs.mkdir(path.join(dir, 'f'));
    // Chain 1: a full night; chain 2: a full night and an increment.
    await night('f');
    await night('f', ['--full']);
    await night('f');
    const statePath = path.join(dir, 'f/state.json');
    const before = json(await fs.readFile(statePath, 'utf8'));
    expect(before.runs.map((r: { cutoff: string }) => r.cutoff === 'full')).toEqual([true, true, false]);

    const dry = await cli(emu, ['backups', 'forget', '--state-file', 'f/state.json', '--keep-last', '1', '--keep-daily', '1', '--dry-run', '--json'], dir);
    expect(dry.code).toBe(0);
    const dryDoc = json(dry.stdout);
    expect(dryDoc.points.map((p: { keep: boolean }) => p.keep)).toEqual([false, false, true]);
    expect(dryDoc.points[2].reasons).toEqual(['last snapshot', 'daily snapshot']);
    // Chain 1 is needed by no kept point: its archives would go; chain 2's full stays for the kept increment.
    const chain1 = [before.runs[0].archive?.path, before.runs[0].scriptArchive?.path].filter(Boolean).map((p: string) => path.join(dir, 'f', p));
    expect(dryDoc.wouldRemove.sort()).toEqual(chain1.sort());
    expect(json(await fs.readFile(statePath, 'utf8'))).toEqual(before);
    for (const f of chain1) expect(existsSync(f)).toBe(true);

    const text = await cli(emu, ['backups', 'forget', '--state-file', 'f/state.json', '--keep-last', '1'], dir);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/forget/);
    expect(text.stdout).toMatch(/keep {6}last snapshot/);
    expect(text.stderr).toContain('1 of 3 restore points kept');
    for (const f of chain1) expect(existsSync(f)).toBe(false);
    const after = json(await fs.readFile(statePath, 'utf8'));
    expect(after.runs.map((r: { point?: boolean }) => r.point !== false)).toEqual([false, true]);
    expect(existsSync(path.join(dir, 'f', after.runs[0].archive.path))).toBe(true);
    expect((await cli(emu, ['backups', 'verify', '--state-file', 'f/state.json'], dir)).code).toBe(0);
    expect((await cli(emu, ['backups', 'restore', '--state-file', 'f/state.json', '-o', 'restore-f.zip'], dir)).code).toBe(0);

    // Rules: none is a usage error; the calendar rules need a state file on export-workspace.
    expect((await cli(emu, ['backups', 'forget', '--state-file', 'f/state.json'], dir)).code).toBe(2);
    const noState = await cli(emu, ['jobs', 'export-workspace', '--full', '-o', 'f/x.zip', '--keep-daily', '3'], dir);
    expect(noState.code).toBe(2);
    expect(noState.stderr).toContain('need --state-file');
  }, 60_000);
});

describe('the README cron line', () => {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const sh = (command: string, env: Record<string, string>) =>
    new Promise<{ code: number; out: string }>((resolve) => {
      execFile('sh', ['-c', command], { env: { PATH: process.env.PATH ?? '', ...env }, cwd: dir }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
      });
    });

  test('run as written (paths moved to a temp dir): a good night prints nothing (no mail), a failed one prints why', async () => {
    const readme = await fs.readFile(path.join(repoRoot, 'README.md'), 'utf8');
    const line = readme.split('\n').find((l) => /^0 1 \* \* \* dataarts jobs export-workspace /.test(l));
    expect(line).toBeDefined();
    const backups = path.join(dir, 'cron-backups');
    await fs.mkdir(backups);
    const command = line!.split(' ').slice(5).join(' ')
      .replace(/^dataarts /, `"${process.execPath}" "${path.join(repoRoot, 'bin/dataarts.js')}" `)
      .replaceAll('/backups/', `${backups}/`);
    const env = emulatorEnv(emu, { DATAARTS_WORKSPACE: 'default' });
    const good = await sh(command, env);
    expect(good).toEqual({ code: 0, out: '' });
    expect((await fs.readFile(path.join(backups, 'nights.log'), 'utf8')).split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(1);
    const failed = await sh(command, { ...env, HUAWEICLOUD_SDK_SK: 'wrong-secret-key-0000000000000000000000' });
    expect(failed.code).toBe(3);
    expect(failed.out).toMatch(/Error/);
    expect(failed.out).not.toContain('wrong-secret-key');
  }, 60_000);
});
