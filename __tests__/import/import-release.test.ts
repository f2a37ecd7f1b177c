/**
 * Releases you can trust (issue 12), end to end against the emulator over HTTP: jobs that
 * --stop-running stopped run again after the import (or stay stopped with --no-restart, and it is
 * said), the rollback archive of an overwrite puts the previous versions back file for file, a job
 * the service alters on import is caught by the read-back check (exit 5), and an import with
 * nothing to do uploads nothing and starts nothing.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  clearWorkspace, devArchive, devJobs, importCli, importRequests, obsPuts, removeDir, startImportEmulator, tempDir, writeZip, STAGING, type Emulator,
} from './helpers.js';

let emu: Emulator;
let dir: string;
let names: string[];
let batchJob: string;
let realTimeJob: string;

beforeAll(async () => {
  emu = await startImportEmulator({ seedJobs: 8 });
  dir = await tempDir('release');
  ({ names, batchJob, realTimeJob } = devJobs(emu));
});
afterAll(async () => {
  await emu.close();
  await removeDir(dir);
});

/** prod holds older versions of two dev jobs (a different description and SQL in their scripts). */
beforeEach(() => {
  clearWorkspace(emu, 'prod');
  const dev = emu.state.workspace('dev');
  for (const n of [batchJob, realTimeJob]) {
    const json = JSON.parse(dev.jobs.get(n)!.text) as Record<string, unknown>;
    emu.state.putJob('prod', JSON.stringify({ ...json, description: 'the version in prod' }, null, 2), { status: 'STOPPED', lockedBy: 'emulator-user' });
  }
  for (const s of dev.scripts.values()) {
    const json = JSON.parse(s.text) as Record<string, unknown>;
    emu.state.putScript('prod', JSON.stringify({ ...json, content: `${String(json.content)}-- prod\n` }, null, 2), { lockedBy: 'emulator-user' });
  }
  emu.state.importCalls.length = 0;
  emu.requests.length = 0;
  emu.state.buckets.get('dataarts-staging')!.clear();
});

function starts(): string[] {
  return emu.requests.filter((q) => q.method === 'POST' && q.path.endsWith('/start')).map((q) => decodeURIComponent(q.path.split('/')[4]!)).sort();
}

describe('jobs import: restart what --stop-running stopped', () => {
  test('jobs running before the release are running after it, and the result says restarted', async () => {
    emu.state.setJobStatus('prod', batchJob, 'SCHEDULING');
    emu.state.setJobStatus('prod', realTimeJob, 'NORMAL');
    const zip = await devArchive(emu, dir);
    const r = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--stop-running', '--no-rollback', '--json'], { cwd: dir });
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const prod = emu.state.workspace('prod');
    expect(prod.jobs.get(batchJob)!.status).toBe('SCHEDULING');
    expect(prod.jobs.get(realTimeJob)!.status).toBe('NORMAL');
    const doc = JSON.parse(r.stdout) as { restarts: { name: string; result: string }[] };
    expect(doc.restarts.sort((a, b) => a.name.localeCompare(b.name))).toEqual([batchJob, realTimeJob].sort().map((name) => ({ name, result: 'restarted' })));
    expect(starts()).toEqual([batchJob, realTimeJob].sort());
    // Started only after the import task ended.
    const lastTaskPoll = emu.requests.map((q) => q.path.includes('/system-tasks/')).lastIndexOf(true);
    expect(emu.requests.findIndex((q) => q.path.endsWith('/start'))).toBeGreaterThan(lastTaskPoll);
    expect(r.stderr).toContain('Restarted:');
  });

  test('--stop-running with --no-wait is refused before anything (it could not start them again); --no-restart allows it', async () => {
    emu.state.setJobStatus('prod', batchJob, 'SCHEDULING');
    const zip = await devArchive(emu, dir);
    const refused = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--stop-running', '--no-wait', '--no-rollback'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--stop-running with --no-wait would leave the stopped jobs stopped/);
    expect(refused.stderr).toMatch(/--no-restart/);
    expect(emu.requests).toEqual([]);
    expect(emu.state.workspace('prod').jobs.get(batchJob)!.status).toBe('SCHEDULING');
    const onPurpose = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--stop-running', '--no-wait', '--no-restart', '--no-rollback'], { cwd: dir });
    expect(onPurpose.code).toBe(0);
  });

  test('--no-restart leaves them stopped and says so (exit 0)', async () => {
    emu.state.setJobStatus('prod', batchJob, 'SCHEDULING');
    const zip = await devArchive(emu, dir);
    const r = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--stop-running', '--no-restart', '--no-rollback'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(emu.state.workspace('prod').jobs.get(batchJob)!.status).toBe('STOPPED');
    expect(starts()).toEqual([]);
    expect(r.stderr).toMatch(new RegExp(`left stopped:\\n  ${batchJob} \\(left stopped as asked \\(--no-restart\\)\\)`));
  });

  test('a PAUSED job is not started (that would schedule it): left stopped, said, exit 0', async () => {
    emu.state.setJobStatus('prod', batchJob, 'PAUSED');
    const zip = await devArchive(emu, dir);
    const r = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--include-unchanged', '--stop-running', '--no-rollback', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(starts()).toEqual([]);
    const doc = JSON.parse(r.stdout) as { restarts: { name: string; result: string; reason: string }[] };
    expect(doc.restarts).toEqual([{ name: batchJob, result: 'left stopped', reason: expect.stringContaining('PAUSED before the import') }]);
    expect(r.stderr).toContain(`left stopped:\n  ${batchJob} (it was PAUSED`);
  });

  test('a failure after stopping (the import refused by the service) starts the stopped jobs again', async () => {
    emu.state.setJobStatus('prod', batchJob, 'SCHEDULING');
    emu.state.workspace('prod').runningImport = 'someone-elses-task';
    try {
      const zip = await devArchive(emu, dir);
      const r = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--include-unchanged', '--stop-running', '--no-rollback'], { cwd: dir });
      expect(r.code).toBe(4);
      expect(emu.state.workspace('prod').jobs.get(batchJob)!.status).toBe('SCHEDULING');
      expect(r.stderr).toContain(`Restarted: ${batchJob}`);
    } finally {
      emu.state.workspace('prod').runningImport = undefined;
    }
  });
});

describe('jobs import: rollback archive', () => {
  test('the rollback archive of an overwrite, imported back, gives prod exactly its pre-release jobs', async () => {
    const prod = emu.state.workspace('prod');
    const before = {
      jobs: new Map([...prod.jobs].map(([k, v]) => [k, v.text])),
      scripts: new Map([...prod.scripts].map(([k, v]) => [k, v.text])),
    };
    const zip = await devArchive(emu, dir, undefined, 'release.zip');
    const out = await tempDir('rollback-out');
    try {
      const r = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite'], { cwd: out });
      expect(r.code).toBe(0);
      const files = (await readdir(out)).sort();
      const archive = files.find((f) => /^dataarts-rollback-prod-\d{8}T\d{6}Z\.zip$/.test(f))!;
      expect(archive).toBeDefined();
      expect(files).toContain(`${archive}.manifest.json`);
      expect(r.stderr).toContain(`Rollback archive: ${path.join(out, archive)}`);
      // The release changed prod…
      expect(prod.jobs.get(batchJob)!.text).not.toBe(before.jobs.get(batchJob));
      // …and importing the rollback archive puts every replaced job and its scripts back, byte for byte.
      const back = await importCli(emu, [path.join(out, archive), '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--no-rollback'], { cwd: out });
      expect(back.code).toBe(0);
      for (const [name, text] of before.jobs) expect(prod.jobs.get(name)!.text).toBe(text);
      for (const name of [batchJob, realTimeJob]) {
        const used = JSON.stringify(JSON.parse(before.jobs.get(name)!).nodes);
        for (const [s, text] of before.scripts) if (used.includes(`"${s}"`)) expect(prod.scripts.get(s)!.text).toBe(text);
      }
    } finally {
      await removeDir(out);
    }
  });

  test('--rollback PATH writes there; an existing PATH is refused before any request; --no-rollback writes nothing', async () => {
    const out = await tempDir('rollback-path');
    try {
      const zip = await devArchive(emu, dir, undefined, 'release2.zip');
      const target = path.join(out, 'before.zip');
      const r = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--rollback', target], { cwd: out });
      expect(r.code).toBe(0);
      expect(existsSync(target)).toBe(true);
      emu.requests.length = 0;
      const again = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--rollback', target], { cwd: out });
      expect(again.code).toBe(4);
      expect(again.stderr).toContain(target);
      expect(emu.requests).toEqual([]);
      const none = await tempDir('rollback-none');
      const skip = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--include-unchanged', '--no-rollback'], { cwd: none });
      expect(skip.code).toBe(0);
      // No rollback archive: only the release journal, in the working directory.
      expect(await readdir(none)).toEqual([expect.stringMatching(/^dataarts-release-prod-\d{8}T\d{6}Z(-\d+)?\.json$/)]);
      await removeDir(none);
    } finally {
      await removeDir(out);
    }
  });
});

describe('jobs import: nothing to do', () => {
  test('every job skipped: nothing uploaded, no import started, exit 0, "nothing to import"', async () => {
    for (const n of names) if (!emu.state.workspace('prod').jobs.has(n)) emu.state.putJob('prod', emu.state.workspace('dev').jobs.get(n)!.text, { status: 'STOPPED' });
    const zip = await devArchive(emu, dir, undefined, 'same.zip');
    const r = await importCli(emu, [zip, '--obs-path', STAGING], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('nothing to import');
    expect(obsPuts(emu)).toBe(0);
    expect(importRequests(emu)).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(names.length);
  });
});

describe('jobs import: read-back check', () => {
  test('a job the service alters on import → differs, naming the path; exit 5', async () => {
    const altering = await startImportEmulator({ seedJobs: 4, alterOnImport: ['job_00002'] });
    try {
      const zip = await devArchive(altering, dir, undefined, 'altered.zip');
      const r = await importCli(altering, [zip, '--obs-path', STAGING, '--json'], { cwd: dir });
      expect(r.code).toBe(5);
      const doc = JSON.parse(r.stdout) as { jobs: { name: string; result: string; verify: string; differences?: { path: string; from: unknown; to: unknown }[] }[] };
      const altered = doc.jobs.find((j) => j.name === 'job_00002')!;
      expect(altered.verify).toBe('differs');
      expect(altered.differences!.map((d) => d.path)).toEqual(['description']);
      expect(String(altered.differences![0]!.from)).toContain('(changed by the emulator on import)');
      expect(doc.jobs.filter((j) => j.name !== 'job_00002').every((j) => j.verify === 'verified')).toBe(true);
      expect(r.stderr).toMatch(/read back different from what was staged: job_00002 \(description\)/);
      // The others verified; text mode says which differs and where.
      const text = await importCli(altering, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--no-rollback'], { cwd: dir });
      expect(text.code).toBe(5);
      expect(text.stderr).toMatch(/job_00002 differs from what was staged: description/);
      // --no-verify skips the check.
      const skip = await importCli(altering, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--no-rollback', '--no-verify'], { cwd: dir });
      expect(skip.code).toBe(0);
    } finally {
      await altering.close();
    }
  });

  test('a stopped job that reads back different is left stopped, named, exit 5', async () => {
    const altering = await startImportEmulator({ seedJobs: 8, alterOnImport: [batchJob] });
    try {
      altering.state.putJob('prod', altering.state.workspace('dev').jobs.get(batchJob)!.text, { status: 'SCHEDULING' });
      const zip = await devArchive(altering, dir, undefined, 'altered-running.zip');
      const r = await importCli(altering, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--stop-running', '--no-rollback', '--json'], { cwd: dir });
      expect(r.code).toBe(5);
      expect(altering.state.workspace('prod').jobs.get(batchJob)!.status).toBe('STOPPED');
      const doc = JSON.parse(r.stdout) as { restarts: { name: string; result: string; reason: string }[] };
      expect(doc.restarts).toEqual([{ name: batchJob, result: 'left stopped', reason: expect.stringContaining('differs from what was staged (description)') }]);
      expect(r.stderr).toMatch(new RegExp(`could not be started again and is left stopped: ${batchJob} \\(`));
    } finally {
      await altering.close();
    }
  });

  test('subtasks that name no job: each job is decided by reading it back, not by the task status', async () => {
    const odd = await startImportEmulator({ seedJobs: 5, importDelayMs: 40 });
    try {
      // One job fails on the service side (a locked tag), so the task ends FAILED.
      const failing = [...odd.state.workspace('dev').jobs.keys()].sort()[1]!;
      const dev = odd.state.workspace('dev');
      const entries = new Map<string, Buffer>();
      for (const [name, job] of dev.jobs) {
        const json = JSON.parse(job.text) as Record<string, unknown> & { basicConfig?: Record<string, unknown> };
        if (name === failing) json.basicConfig = { ...(json.basicConfig ?? {}), tags: ['frozen'] };
        entries.set(`jobs/${name}/${name}.job`, Buffer.from(JSON.stringify(json, null, 2)));
        for (const m of job.text.matchAll(/"scriptName",\s*"value": "([^"]+)"/g)) entries.set(`jobs/${name}/${m[1]}.script`, Buffer.from(dev.scripts.get(m[1]!)!.text));
        for (const m of job.text.matchAll(/"resourceName",\s*"value": "([^"]+)"/g)) entries.set(`jobs/${name}/${m[1]}.resource`, Buffer.from(dev.resources.get(m[1]!)!.text));
      }
      odd.state.lockTag('prod', 'frozen');
      const zip = await writeZip(path.join(dir, 'odd.zip'), entries);
      const running = importCli(odd, [zip, '--obs-path', STAGING, '--json'], { cwd: dir });
      // A service whose subtasks are named some other way: rename them as soon as the task exists.
      // (The task lists its subtasks once it has read the staged object.)
      while ((odd.state.tasks.size === 0 ? [] : [...odd.state.tasks.values()][0]!.subtasks).length === 0) await new Promise((r) => setTimeout(r, 1));
      const task = [...odd.state.tasks.values()][0]!;
      task.subtasks.forEach((sub, i) => (sub.name = `subtask ${i + 1}`));
      const r = await running;
      expect(r.code).toBe(5);
      const doc = JSON.parse(r.stdout) as { status: string; jobs: { name: string; result: string; message: string; verify?: string }[] };
      expect(doc.status).toBe('FAILED');
      for (const j of doc.jobs) {
        if (j.name === failing) expect(j).toMatchObject({ result: 'failed', message: expect.stringContaining('not in the workspace') });
        else expect(j).toMatchObject({ result: 'created', verify: 'verified', message: expect.stringContaining('decided by reading it back') });
      }
    } finally {
      await odd.close();
    }
  });

  test('an honest import with --param, --execute-user and --expression-time-zone verifies', async () => {
    const zip = await devArchive(emu, dir, undefined, 'honest.zip');
    const r = await importCli(emu, [zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--no-rollback', '--param', 'env=prod', '--execute-user', 'etl', '--expression-time-zone', 'Europe/Paris', '--json'], { cwd: dir });
    expect(r.stderr).not.toMatch(/differs/);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { jobs: { name: string; verify: string }[] };
    expect(doc.jobs.map((j) => j.verify)).toEqual(names.map(() => 'verified'));
  });
});

describe('jobs import: a refusal a person can read', () => {
  // End to end on 60 jobs (wiring: stderr, exit code, --json); the renderer at 3,000 is unit-tested
  // in refusals.test.ts.
  test('60 jobs refused for missing connections: under 40 lines on stderr, naming them and --map; the complete list in --json', async () => {
    const big = await startImportEmulator({ seedJobs: 60 });
    try {
      big.state.workspace('prod').connections.clear();
      const zip = await devArchive(big, dir, undefined, 'big.zip');
      const r = await importCli(big, [zip, '--obs-path', STAGING], { cwd: dir });
      expect(r.code).toBe(4);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines.length).toBeLessThan(40);
      expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(300);
      const used = [...new Set([...big.state.workspace('dev').jobs.values()].flatMap((j) => [...j.text.matchAll(/"connectionName",\s*"value": "([^"]+)"/g)].map((m) => m[1]!)))];
      expect(used.length).toBeGreaterThan(1);
      for (const c of used) expect(r.stderr).toMatch(new RegExp(`connection "${c}" \\([\\d,]+ jobs or scripts: job_\\d+, job_\\d+, job_\\d+, …\\)`));
      expect(r.stderr).toMatch(/connections? missing in workspace prod/);
      expect(r.stderr).toMatch(/--map connection:\w+=NEW/);
      expect(r.stderr).toContain('--env NAME');
      expect(obsPuts(big)).toBe(0);
      const json = await importCli(big, [zip, '--obs-path', STAGING, '--json'], { cwd: dir });
      const doc = JSON.parse(json.stdout) as { error: { details: { refusals: { subject: string }[] } } };
      expect(new Set(doc.error.details.refusals.map((x) => x.subject)).size).toBeGreaterThanOrEqual(60);
    } finally {
      await big.close();
    }
  });
});

describe('jobs import --dry-run: staging and what changes', () => {
  test('a staging bucket that does not exist: exit 3 naming it, nothing uploaded', async () => {
    const zip = await devArchive(emu, dir, undefined, 'dry.zip');
    const r = await importCli(emu, [zip, '--obs-path', 'obs://no-such-bucket/x/', '--dry-run'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no-such-bucket does not exist');
    const ok = await importCli(emu, [zip, '--obs-path', STAGING, '--dry-run'], { cwd: dir });
    expect(ok.code).toBe(0);
    expect(obsPuts(emu)).toBe(0);
  });

  test('each overwrite says how many paths change and the first ones', async () => {
    const zip = await devArchive(emu, dir, undefined, 'dry2.zip');
    const r = await importCli(emu, [zip, '--obs-path', STAGING, '--dry-run', '--duplicate-policy', 'overwrite', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { jobs: { name: string; action: string; reason: string; changes?: { path: string; from: unknown; to: unknown }[] }[] };
    const job = doc.jobs.find((j) => j.name === batchJob)!;
    expect(job.action).toBe('overwrite');
    expect(job.changes!.map((c) => c.path)).toContain('description');
    expect(job.changes!.find((c) => c.path === 'description')).toMatchObject({ from: 'the version in prod' });
    expect(job.changes!.some((c) => /^scripts\[script_\d+\]\.content$/.test(c.path))).toBe(true);
    expect(job.reason).toMatch(/^\d+ paths change: /);
    expect(obsPuts(emu)).toBe(0);
    expect(importRequests(emu)).toBe(0);
  });
});
