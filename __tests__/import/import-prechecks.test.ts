/**
 * Pre-checks refuse before any upload (exit 4, naming job and reason), --stop-running, failures on
 * the service side (exit 5), another import running, and --timeout.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import path from 'node:path';
import {
  clearWorkspace, devArchive, devJobs, importCli, importEnv, importRequests, obsPuts, removeDir, stagedKeys, startImportEmulator, tempDir, workspaceEntries, writeZip, STAGING, type Emulator,
} from './helpers.js';
import { runCli } from '../helpers/cli.js';

let emu: Emulator;
let dir: string;
let names: string[];
let batchJob: string;
let realTimeJob: string;

beforeAll(async () => {
  // The inferred lock fields on: the pre-check can tell.
  emu = await startImportEmulator({ seedJobs: 8, lockFields: true });
  dir = await tempDir('prechecks');
  ({ names, batchJob, realTimeJob } = devJobs(emu));
});
afterAll(async () => {
  await emu.close();
  await removeDir(dir);
});

/** prod holds copies of two dev jobs (stopped, unlocked), with their scripts. */
beforeEach(() => {
  clearWorkspace(emu, 'prod');
  const prod = emu.state.workspace('prod');
  prod.hardLock = false;
  prod.lockedTags.clear();
  prod.runningImport = undefined;
  const dev = emu.state.workspace('dev');
  for (const n of [batchJob, realTimeJob]) emu.state.putJob('prod', dev.jobs.get(n)!.text, { status: 'STOPPED', lockedBy: 'emulator-user' });
  for (const s of dev.scripts.values()) emu.state.putScript('prod', s.text, { lockedBy: 'emulator-user' });
  emu.state.importCalls.length = 0;
  emu.requests.length = 0;
  emu.state.buckets.get('dataarts-staging')!.clear();
});

describe('jobs import pre-checks', () => {
  test('a running same-name job under overwrite is refused before any upload, and named', async () => {
    emu.state.setJobStatus('prod', batchJob, 'SCHEDULING');
    emu.state.setJobStatus('prod', realTimeJob, 'NORMAL');
    const zip = await devArchive(emu, dir);
    const r = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--include-unchanged']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(batchJob);
    expect(r.stderr).toContain(realTimeJob);
    expect(r.stderr).toMatch(/not stopped \(status SCHEDULING\)/);
    expect(obsPuts(emu)).toBe(0);
    expect(importRequests(emu)).toBe(0);
    // --json: the refusal as one document with each job and reason.
    const json = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--include-unchanged', '--json']);
    expect(json.code).toBe(4);
    const doc = JSON.parse(json.stdout) as { error: { details: { refusals: { subject: string; reason: string }[] } } };
    expect(doc.error.details.refusals.map((x) => x.subject).sort()).toEqual([batchJob, realTimeJob].sort());
    // --dry-run shows the same, exit 4, nothing uploaded.
    const dry = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--include-unchanged', '--dry-run']);
    expect(dry.code).toBe(4);
    expect(dry.stdout.split('\n').find((l) => l.startsWith(batchJob))).toMatch(/blocked\s+not stopped/);
    expect(obsPuts(emu)).toBe(0);
  });

  test('--stop-running stops them (only them), waits for STOPPED, and the import goes on', async () => {
    emu.state.setJobStatus('prod', batchJob, 'SCHEDULING');
    emu.state.setJobStatus('prod', realTimeJob, 'NORMAL');
    const zip = await devArchive(emu, dir);
    const r = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--include-unchanged', '--stop-running', '--json']);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { stopped: string[]; jobs: { name: string; result: string }[] };
    expect(doc.stopped.sort()).toEqual([batchJob, realTimeJob].sort());
    expect(r.stderr).toContain('Stopped:');
    expect(doc.jobs.find((j) => j.name === batchJob)!.result).toBe('overwritten');
    expect(doc.jobs.find((j) => j.name === names.find((n) => n !== batchJob && n !== realTimeJob))!.result).toBe('created');
    const stops = emu.requests.filter((q) => q.path.endsWith('/stop')).map((q) => decodeURIComponent(q.path.split('/')[4]!));
    expect(stops.sort()).toEqual([batchJob, realTimeJob].sort());
    // Every stop came before the upload.
    const firstPut = emu.requests.findIndex((q) => q.method === 'PUT' && !q.path.startsWith('/v1/'));
    expect(emu.requests.findIndex((q) => q.path.endsWith('/stop'))).toBeLessThan(firstPut);
  });

  test('no staging location (no --obs-path, no obsStagingPath): a usage error naming both, before any request', async () => {
    const zip = await devArchive(emu, dir);
    emu.requests.length = 0;
    const r = await importCli(emu, [zip]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no OBS location to stage the archive in');
    expect(r.stderr).toContain('--obs-path');
    // Not even the head start's reads of the workspace.
    expect(emu.requests).toEqual([]);
  });

  test('--stop-running leaves stopped jobs alone', async () => {
    const zip = await devArchive(emu, dir);
    const r = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--include-unchanged', '--stop-running']);
    expect(r.code).toBe(0);
    expect(emu.requests.filter((q) => q.path.endsWith('/stop'))).toEqual([]);
  });

  test('under SKIP a running same-name job is skipped, not blocked', async () => {
    emu.state.setJobStatus('prod', batchJob, 'SCHEDULING');
    const zip = await devArchive(emu, dir);
    const r = await importCli(emu, [zip, '--obs-path', STAGING]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').find((l) => l.startsWith(batchJob))).toMatch(/^\S+\s+skipped\s/);
    expect(emu.state.workspace('prod').jobs.get(batchJob)!.status).toBe('SCHEDULING');
  });

  test('a job locked by another user under hard lock is refused before upload (the service tells)', async () => {
    emu.state.setHardLock('prod', true);
    emu.state.lockJob('prod', batchJob, 'bob');
    const zip = await devArchive(emu, dir);
    const r = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--include-unchanged']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`${batchJob} (locked by another user (bob) under the hard-lock policy)`);
    expect(obsPuts(emu)).toBe(0);
    // Soft lock: no obstacle.
    emu.state.setHardLock('prod', false);
    expect((await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--include-unchanged'])).code).toBe(0);
  });

  test('a job failing on the service side (its script locked by another user) exits 5 naming the job and the reason', async () => {
    emu.state.setHardLock('prod', true);
    const job = JSON.parse(emu.state.workspace('dev').jobs.get(batchJob)!.text) as { nodes: { properties?: { name: string; value: string }[] }[] };
    const script = job.nodes.flatMap((n) => n.properties ?? []).find((p) => p.name === 'scriptName')?.value;
    expect(script).toBeDefined();
    emu.state.lockScript('prod', script!, 'carol');
    const zip = await devArchive(emu, dir, [batchJob], 'one.zip');
    const r = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--include-unchanged']);
    expect(r.code).toBe(5);
    expect(r.stdout).toMatch(new RegExp(`^${batchJob}\\s+failed\\s+script ${script} is locked by another user \\(carol\\)`));
    expect(r.stderr).toContain(batchJob);
    expect(r.stderr).toContain('carol');
    expect(stagedKeys(emu)).toEqual([]);
    const json = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--include-unchanged', '--json']);
    expect(json.code).toBe(5);
    const doc = JSON.parse(json.stdout) as { status: string; jobs: { name: string; result: string; message: string }[] };
    expect(doc.status).toBe('FAILED');
    expect(doc.jobs).toEqual([{ name: batchJob, result: 'failed', message: expect.stringContaining('carol'), verify: null }]);
  });

  test('a job carrying a locked tag fails service-side: exit 5', async () => {
    const text = emu.state.workspace('dev').jobs.get(names[2]!)!.text;
    const json = JSON.parse(text) as Record<string, unknown> & { basicConfig?: Record<string, unknown> };
    json.basicConfig = { ...(json.basicConfig ?? {}), tags: ['frozen'] };
    emu.state.lockTag('prod', 'frozen');
    const entries = workspaceEntries(emu, 'dev', [names[2]!]);
    entries.set(`jobs/${names[2]}/${names[2]}.job`, Buffer.from(JSON.stringify(json)));
    const zip = await writeZip(path.join(dir, 'tagged.zip'), entries);
    const r = await importCli(emu, [zip, '--obs-path', STAGING, '--json']);
    expect(r.code).toBe(5);
    expect(r.stdout).toContain('frozen');
    // `jobs task` tells the same: exit 5, the job failed with the service's reason.
    const { taskId } = JSON.parse(r.stdout) as { taskId: string };
    const task = await runCli(['jobs', 'task', taskId], { env: importEnv(emu) });
    expect(task.code).toBe(5);
    expect(task.stdout).toMatch(new RegExp(`^${names[2]}\\s+failed\\s+job ${names[2]} carries locked tag`, 'm'));
  });

  test('a script neither in the archive nor in the workspace blocks the job', async () => {
    const entries = workspaceEntries(emu, 'dev', [batchJob]);
    const scriptEntry = [...entries.keys()].find((k) => k.endsWith('.script'))!;
    entries.delete(scriptEntry);
    const zip = await writeZip(path.join(dir, 'noscript.zip'), entries);
    // The workspace has it: fine (dry run).
    expect((await importCli(emu, [zip, '--obs-path', STAGING, '--dry-run'])).code).toBe(0);
    clearWorkspace(emu, 'prod');
    const r = await importCli(emu, [zip, '--obs-path', STAGING]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`${batchJob} (runs script ${path.basename(scriptEntry, '.script')}, neither in the archive nor in the workspace)`);
    expect(obsPuts(emu)).toBe(0);
  });

  test('another import already running: exit 4, and the staged object is removed', async () => {
    emu.state.workspace('prod').runningImport = 'someone-elses-task';
    const zip = await devArchive(emu, dir);
    const r = await importCli(emu, [zip, '--obs-path', STAGING]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/another import is already running/);
    expect(importRequests(emu)).toBe(1);
    expect(stagedKeys(emu)).toEqual([]);
  });

  test('--timeout expiry exits 6 naming the task id and how to finish the release (--resume)', async () => {
    // 3 jobs at 700 ms a step: the task runs ~2.8 s, while both timeouts below expire 0.2 s after
    // their command starts polling, which leaves ~2 s for a slow process start on a loaded machine.
    const slow = await startImportEmulator({ seedJobs: 3, importDelayMs: 700 });
    try {
      const zip = await devArchive(slow, dir, undefined, 'slow.zip');
      const r = await importCli(slow, [zip, '--obs-path', STAGING, '--timeout', '0.2']);
      expect(r.code).toBe(6);
      const taskId = [...slow.state.tasks.keys()][0]!;
      // The timeout, not the task's end, ended the wait: the task was still running then (a
      // state, not a wall-clock bound, so a loaded machine cannot fail it).
      expect(slow.state.tasks.get(taskId)!.status).toBe('RUNNING');
      expect(r.stderr).toContain(taskId);
      expect(r.stderr).toMatch(/dataarts jobs import --resume \S+dataarts-release-prod-\d{8}T\d{6}Z(-\d+)?\.json/);
      // The task is still reading from it, so the staged object stays, and the message says where.
      expect(stagedKeys(slow)).toHaveLength(1);
      expect(r.stderr).toContain(stagedKeys(slow)[0]!);
      // `jobs task` follows it from there: still running at its own timeout → 6; then to the end → 0, one line per job.
      const env = importEnv(slow);
      const early = await runCli(['jobs', 'task', taskId, '--wait', '--timeout', '0.2'], { env });
      expect(early.code).toBe(6);
      const done = await runCli(['jobs', 'task', taskId, '--wait', '--timeout', '30', '--json'], { env });
      expect(done.code).toBe(0);
      const doc = JSON.parse(done.stdout) as { status: string; jobs: { name: string; result: string }[] };
      expect(doc.status).toBe('SUCCESSFUL');
      expect(doc.jobs.map((j) => j.result)).toEqual(['created', 'created', 'created']);
      const text = await runCli(['jobs', 'task', taskId], { env });
      expect(text.code).toBe(0);
      expect(text.stdout.trim().split('\n')).toHaveLength(3);
    } finally {
      await slow.close();
    }
  });
});
