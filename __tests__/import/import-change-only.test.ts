/**
 * Issue 17, end to end over HTTP against the emulator: a release under overwrite changes only what
 * differs (unchanged jobs are not staged, stopped, overwritten or saved for rollback), a 64-bit id
 * that the service stores one digit off is caught by the read-back check (exit 5, `differs`, never
 * "successful"), `skip` warns with the count of skipped jobs that differ, and an import refused
 * for approval is exit 4 naming the flags, with the stopped jobs running again.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readArchive } from '../../src/archive/model.js';
import {
  clearWorkspace, devJobs, importCli, removeDir, startImportEmulator, tempDir, workspaceEntries, writeZip, STAGING, type Emulator,
} from './helpers.js';

let emu: Emulator;
let dir: string;
let names: string[];
let batchJob: string;
let realTimeJob: string;

beforeAll(async () => {
  emu = await startImportEmulator({ seedJobs: 6, bumpIdOnImport: ['job_00002'] });
  dir = await tempDir('change-only');
  ({ names, batchJob, realTimeJob } = devJobs(emu));
});
afterAll(async () => {
  await emu.close();
  await removeDir(dir);
});

/** prod holds exactly dev's jobs and scripts. */
beforeEach(() => {
  clearWorkspace(emu, 'prod');
  emu.state.setApproval('prod', false);
  const dev = emu.state.workspace('dev');
  for (const job of dev.jobs.values()) emu.state.putJob('prod', job.text, { status: 'STOPPED', lockedBy: 'emulator-user' });
  for (const s of dev.scripts.values()) emu.state.putScript('prod', s.text, { lockedBy: 'emulator-user' });
  emu.requests.length = 0;
});

/** dev's jobs (`included`, all by default) as an archive, with `changed` jobs given a new description. */
async function archiveChanging(changed: string[], file: string, included = names): Promise<string> {
  const entries = workspaceEntries(emu, 'dev', included);
  for (const name of changed) {
    const key = `jobs/${name}/${name}.job`;
    entries.set(key, Buffer.from(entries.get(key)!.toString('utf8').replace(/"description": "[^"]*"/, '"description": "changed in the release"')));
  }
  return writeZip(path.join(dir, file), entries);
}

/** A --json document whose 64-bit numbers are read as strings (digit for digit). */
function parseDoc<T>(stdout: string): T {
  return JSON.parse(stdout.replace(/(:\s*)(-?\d{16,})(?=\s*[,}\]])/g, '$1"$2"')) as T;
}

function jobRequests(verb: 'stop' | 'start'): string[] {
  return emu.requests.filter((q) => q.method === 'POST' && q.path.endsWith(`/${verb}`)).map((q) => decodeURIComponent(q.path.split('/')[4]!)).sort();
}

describe('jobs import: change-only releases', () => {
  test('overwrite changes only what differs: the changed running job alone is stopped and started again; the rest are unchanged; the rollback holds only what is replaced', async () => {
    // Not job_00002: the emulator alters that one on import (the read-back test below).
    const otherBatch = names.find((n) => n !== batchJob && n !== realTimeJob && n !== 'job_00002' && emu.state.workspace('dev').jobs.get(n)!.jobType === 'BATCH')!;
    emu.state.setJobStatus('prod', batchJob, 'SCHEDULING');
    emu.state.setJobStatus('prod', realTimeJob, 'NORMAL');
    // Without job_00002, which the emulator alters on import (the read-back test below).
    const release = names.filter((n) => n !== 'job_00002');
    const zip = await archiveChanging([batchJob, otherBatch], 'two-changed.zip', release);
    const out = await tempDir('change-only-out');
    try {
      const r = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--stop-running', '--json'], { cwd: out });
      expect(r.code).toBe(0);
      const doc = parseDoc<{ ok: boolean; jobs: { name: string; result: string; verify: string | null }[]; rollback: string }>(r.stdout);
      expect(doc.ok).toBe(true);
      const byResult = (result: string) => doc.jobs.filter((j) => j.result === result).map((j) => j.name).sort();
      expect(byResult('overwritten')).toEqual([batchJob, otherBatch].sort());
      expect(byResult('unchanged')).toEqual(release.filter((n) => n !== batchJob && n !== otherBatch).sort());
      expect(doc.jobs.find((j) => j.name === batchJob)!.verify).toBe('verified');
      // Only the changed running job was stopped (the unchanged running one was not touched).
      expect(jobRequests('stop')).toEqual([batchJob]);
      expect(jobRequests('start')).toEqual([batchJob]);
      expect(emu.state.workspace('prod').jobs.get(realTimeJob)!.status).toBe('NORMAL');
      expect(emu.state.workspace('prod').jobs.get(batchJob)!.status).toBe('SCHEDULING');
      // Staged: the two changed jobs only.
      const staged = emu.state.importCalls.at(-1) as { path: string };
      expect(staged.path).toContain('dataarts-import-');
      const rollback = await readArchive(doc.rollback);
      expect(rollback.jobs.map((j) => j.name).sort()).toEqual([batchJob, otherBatch].sort());
      expect(r.stderr).toContain(`Plan: 0 to create, 2 to overwrite, ${release.length - 2} unchanged, 0 to skip`);
      // --include-unchanged: every job again.
      const all = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--stop-running', '--include-unchanged', '--no-rollback', '--json'], { cwd: out });
      expect(all.code).toBe(0);
      const allDoc = parseDoc<{ jobs: { result: string }[] }>(all.stdout);
      expect(allDoc.jobs.filter((j) => j.result === 'overwritten')).toHaveLength(release.length);
      // Nothing differs any more: nothing staged, nothing imported.
      const calls = emu.state.importCalls.length;
      const again = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--stop-running'], { cwd: out });
      expect(again.code).toBe(0);
      expect(emu.state.importCalls.length).toBe(calls);
      expect(again.stdout).toMatch(new RegExp(`^${batchJob}\\s+unchanged`, 'm'));
      expect((await readdir(out)).filter((f) => f.startsWith('dataarts-rollback-') && f.endsWith('.zip'))).toHaveLength(1);
    } finally {
      await removeDir(out);
    }
  });

  test('a 64-bit id the service stores one digit off: the read-back says differs, exit 5, never "successful"', async () => {
    const zip = await archiveChanging(['job_00002'], 'bumped.zip');
    const r = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--no-rollback'], { cwd: dir });
    expect(r.code).toBe(5);
    expect(r.stdout).toMatch(/^job_00002\s+differs\s+overwritten, but read back different/m);
    expect(r.stderr).toContain('taskWorkGroupId');
    expect(r.stderr).not.toMatch(/successful/i);
    expect(r.stdout).not.toMatch(/successful/i);
    const json = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--no-rollback', '--include-unchanged', '--json'], { cwd: dir });
    expect(json.code).toBe(5);
    const doc = parseDoc<{ ok: boolean; jobs: { name: string; result: string; verify: string; differences?: { path: string }[] }[] }>(json.stdout);
    expect(doc.ok).toBe(false);
    const job = doc.jobs.find((j) => j.name === 'job_00002')!;
    expect(job).toMatchObject({ result: 'overwritten', verify: 'differs' });
    expect(job.differences!.map((d) => d.path)).toEqual(['taskWorkGroupId']);
  });

  test('skip: exit 0 and a warning counting the skipped jobs that differ', async () => {
    const zip = await archiveChanging(names.slice(0, 3), 'three-changed.zip');
    const r = await importCli(emu, [zip, '--obs-path', STAGING], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('3 skipped jobs differ from the archive; --duplicate-policy overwrite would change them');
    const same = await importCli(emu, [await archiveChanging([], 'none-changed.zip'), '--obs-path', STAGING], { cwd: dir });
    expect(same.code).toBe(0);
    expect(same.stderr).not.toContain('differ from the archive');
  });

  test('approval on: exit 4 naming --target-status and --approver; the job it stopped runs again', async () => {
    emu.state.setApproval('prod', true);
    emu.state.setJobStatus('prod', batchJob, 'SCHEDULING');
    const zip = await archiveChanging([batchJob], 'approval.zip');
    const r = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--stop-running', '--no-rollback'], { cwd: dir });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('--target-status');
    expect(r.stderr).toContain('--approver');
    expect(r.stderr).not.toMatch(/service failed/i);
    expect(jobRequests('stop')).toEqual([batchJob]);
    expect(emu.state.workspace('prod').jobs.get(batchJob)!.status).toBe('SCHEDULING');
    const ok = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--stop-running', '--no-rollback', '--target-status', 'submitted', '--approver', 'alice'], { cwd: dir });
    expect(ok.code).toBe(0);
  });

  test('a saved plan is applied exactly, and refused (exit 4, nothing changed) when the workspace or the archive drifted', async () => {
    const release = names.filter((n) => n !== 'job_00002');
    const prod = emu.state.workspace('prod');
    const other = release.find((n) => n !== batchJob)!;
    const created = release.find((n) => n !== batchJob && n !== other)!;
    const createdText = prod.jobs.get(created)!.text;
    prod.jobs.delete(created);
    emu.state.changed();
    const zip = await archiveChanging([batchJob], 'planned.zip', release);
    const plan = path.join(dir, 'release-plan.json');
    const dry = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--dry-run', '--plan-out', plan], { cwd: dir });
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain(`Plan saved: ${plan}`);
    const saved = JSON.parse(await readFile(plan, 'utf8')) as { format: string; archive: { sha256: string }; jobs: { name: string; action: string }[] };
    expect(saved.format).toBe('dataarts-import-plan/1');
    expect(saved.archive.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.fromEntries(saved.jobs.map((j) => [j.name, j.action]))).toMatchObject({ [batchJob]: 'overwrite', [other]: 'unchanged', [created]: 'create' });

    // One planned job changed in the workspace, and the planned new job now exists.
    const otherText = prod.jobs.get(other)!.text;
    prod.jobs.get(other)!.text = otherText.replace(/"description": "[^"]*"/, '"description": "edited in prod meanwhile"');
    emu.state.putJob('prod', createdText, { status: 'STOPPED' });
    emu.requests.length = 0;
    const calls = emu.state.importCalls.length;
    const drifted = await importCli(emu, ['--plan', plan], { cwd: dir });
    expect(drifted.code).toBe(4);
    expect(drifted.stderr).toContain(`  ${other}: changed in the workspace since the plan`);
    expect(drifted.stderr).toContain(`  ${created}: planned as a new job, but a job of that name now exists`);
    expect(emu.state.importCalls.length).toBe(calls);
    expect(jobRequests('stop')).toEqual([]);
    expect(emu.requests.filter((q) => q.method === 'PUT')).toEqual([]);

    // Put back as planned: applied exactly.
    prod.jobs.get(other)!.text = otherText;
    prod.jobs.delete(created);
    emu.state.changed();
    const applied = await importCli(emu, ['--plan', plan, '--no-rollback', '--json'], { cwd: dir });
    expect(applied.code).toBe(0);
    const doc = parseDoc<{ jobs: { name: string; result: string }[] }>(applied.stdout);
    expect(Object.fromEntries(doc.jobs.map((j) => [j.name, j.result]))).toMatchObject({ [batchJob]: 'overwritten', [other]: 'unchanged', [created]: 'created' });

    // Flags the plan fixes cannot be given again; a changed archive is refused.
    expect((await importCli(emu, ['--plan', plan, '--duplicate-policy', 'skip'], { cwd: dir })).code).toBe(2);
    expect((await importCli(emu, [zip, '--plan', plan], { cwd: dir })).code).toBe(2);
    await archiveChanging([batchJob, other], 'planned.zip', release);
    const changedArchive = await importCli(emu, ['--plan', plan], { cwd: dir });
    expect(changedArchive.code).toBe(4);
    expect(changedArchive.stderr).toContain('changed since the plan was made');
    // --plan-out refuses to replace a file that is not a plan.
    const notPlan = path.join(dir, 'notes.txt');
    await writeFile(notPlan, 'my notes');
    expect((await importCli(emu, [zip, '--obs-path', STAGING, '--dry-run', '--plan-out', notPlan], { cwd: dir })).code).toBe(4);
    expect(await readFile(notPlan, 'utf8')).toBe('my notes');
  });
});
