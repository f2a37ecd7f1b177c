/**
 * Releases that can always be finished or undone (issue 18): the release journal, --timeout then
 * `jobs import --resume`, the restart rule (a locked job whose import failed, a 5xx on the status
 * read) and `jobs undo`. Interrupts at every step are in release-interrupts.test.ts.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { emulatorEnv } from '../helpers/emulator-env.js';
import { clearWorkspace, importCli, importEnv, journalOf, removeDir, stagedKeys, startImportEmulator, tempDir, workspaceEntries, writeZip, STAGING, type Emulator } from './helpers.js';
import { before, expectSettled, fx, releaseArchive, RELEASE_ARGS, RELEASED, RUNNING, seedProd, useReleaseFixture } from './release-fixture.js';


useReleaseFixture();
let emu: Emulator;
let dir: string;
let zip: string;
let names: string[];
beforeAll(() => {
  ({ emu, dir, zip, names } = fx);
});

describe('the release journal', () => {
  test('written before the first change, path printed first, always whole while it changes; done at the end; --resume then has nothing left to do', async () => {
    // Read the journal while the release rewrites it: every read is one whole JSON record.
    const reads: string[] = [];
    const reader = setInterval(() => {
      for (const name of readdirSync(dir).filter((n) => /^dataarts-release-.*\.json$/.test(n))) {
        try {
          reads.push(readFileSync(path.join(dir, name), 'utf8'));
        } catch {
          // renamed away between readdir and read
        }
      }
    }, 5); // every 5 ms: still hundreds of reads during the release, without the reader taking a CPU
    const r = await importCli(emu, [zip, ...RELEASE_ARGS, '--json'], { cwd: dir }).finally(() => clearInterval(reader));
    expect(reads.length).toBeGreaterThan(0);
    for (const text of reads) expect(() => JSON.parse(text)).not.toThrow();
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const journal = journalOf(r.stderr);
    // Printed before anything was stopped (the first change).
    expect(r.stderr.indexOf('Release journal:')).toBeLessThan(r.stderr.indexOf('Stopping'));
    expect(path.dirname(journal)).toBe(path.dirname((JSON.parse(r.stdout) as { rollback: string }).rollback));
    const record = JSON.parse(await readFile(journal, 'utf8')) as Record<string, any>;
    expect(record).toMatchObject({ state: 'done', workspace: 'prod', endpoint: emu.url });
    expect(record.stopped.map((j: { name: string }) => j.name).sort()).toEqual(names);
    expect(record.stopped.every((j: { statusBefore: string }) => RUNNING.has(j.statusBefore))).toBe(true);
    expect(record.parts).toEqual([expect.objectContaining({ importCall: 'started', status: 'SUCCESSFUL', stagedRemoved: true })]);
    expect(record.restarts.every((x: { result: string }) => x.result === 'restarted')).toBe(true);
    expect(record.jobs.every((j: { before?: string; staged?: string }) => j.before && j.staged && j.before !== j.staged)).toBe(true);
    expect(JSON.stringify(record)).not.toContain(emu.credentials.sk);
    expectSettled(emu);
    const again = await runCli(['jobs', 'import', '--resume', journal], { env: importEnv(emu), cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/nothing left to do/);
  });

  test('--journal PATH: written there; an existing PATH is refused before any request; --resume refuses another endpoint or workspace', async () => {
    const cwd = await tempDir('journal-path');
    try {
      const r = await importCli(emu, [zip, ...RELEASE_ARGS, '--journal', 'mine.json'], { cwd });
      expect(r.code).toBe(0);
      expect(journalOf(r.stderr)).toBe(path.join(cwd, 'mine.json'));
      emu.requests.length = 0;
      const again = await importCli(emu, [zip, ...RELEASE_ARGS, '--journal', 'mine.json'], { cwd });
      expect(again.code).toBe(4);
      expect(again.stderr).toContain('mine.json');
      expect(emu.requests).toEqual([]);
      // A finished journal says so first; an unfinished one is checked against the configuration.
      const record = JSON.parse(await readFile(path.join(cwd, 'mine.json'), 'utf8')) as Record<string, unknown>;
      await writeFile(path.join(cwd, 'open.json'), JSON.stringify({ ...record, state: 'in progress' }));
      const elsewhere = await runCli(['jobs', 'import', '--resume', 'open.json'], { env: importEnv(emu, 'prod', { DATAARTS_ENDPOINT: 'http://127.0.0.1:9' }), cwd });
      expect(elsewhere.code).toBe(2);
      expect(elsewhere.stderr).toContain(`ran against ${emu.url}`);
      const otherWorkspace = await runCli(['jobs', 'import', '--resume', 'open.json', '--workspace', 'dev'], { env: importEnv(emu), cwd });
      expect(otherWorkspace.code).toBe(2);
      expect(emu.requests).toEqual([]);
    } finally {
      await removeDir(cwd);
    }
  });

  test('--timeout on a slow task: exit 6 naming the journal; --resume then exits 0 with the jobs running and verified', async () => {
    const slow = await startImportEmulator({ seedJobs: 4, importDelayMs: 400 });
    try {
      seedProd(slow);
      const archive = await releaseArchive(slow, path.join(dir, 'slow.zip'));
      const r = await importCli(slow, [archive, ...RELEASE_ARGS, '--timeout', '1'], { cwd: dir });
      expect(r.code).toBe(6);
      const journal = journalOf(r.stderr);
      expect(r.stderr).toContain(`dataarts jobs import --resume ${journal}`);
      expect(stagedKeys(slow)).toHaveLength(1);
      // `jobs task` on that task points to --resume (a journal for it is in the working directory).
      const task = await runCli(['jobs', 'task', [...slow.state.tasks.keys()][0]!], { env: importEnv(slow), cwd: dir });
      expect(task.stderr).toContain(`belongs to an unfinished release: \`dataarts jobs import --resume ${journal}\``);
      const resumed = await runCli(['jobs', 'import', '--resume', journal, '--json'], { env: importEnv(slow), cwd: dir });
      expect(resumed.stderr).not.toMatch(/Error/);
      expect(resumed.code).toBe(0);
      const doc = JSON.parse(resumed.stdout) as { jobs: { name: string; result: string; verify?: string }[] };
      expect(doc.jobs.map((j) => [j.name, j.result, j.verify])).toEqual(names.map((n) => [n, 'overwritten', 'verified']));
      expect(slow.state.importCalls).toHaveLength(1);
      for (const name of names) expect((JSON.parse(slow.state.workspace('prod').jobs.get(name)!.text) as Record<string, unknown>).description).toBe(RELEASED);
      expectSettledIn(slow);
    } finally {
      await slow.close();
    }
  });
});

describe('one process at a time per journal', () => {
  test('--resume and jobs undo while the release runs: exit 4 naming its pid, nothing changed; the lock goes with the release', async () => {
    const cwd = await tempDir('journal-lock');
    try {
      const journal = path.join(cwd, 'release.json');
      const running = importCli(emu, [zip, ...RELEASE_ARGS, '--journal', 'release.json'], { cwd });
      // The journal exists from before the first change until the end: meet it while the release runs.
      while (!existsSync(journal)) await new Promise((r) => setTimeout(r, 2));
      const [resumed, undone] = await Promise.all([
        runCli(['jobs', 'import', '--resume', journal], { env: importEnv(emu), cwd }),
        runCli(['jobs', 'undo', journal], { env: importEnv(emu), cwd }),
      ]);
      for (const r of [resumed, undone]) {
        expect(r.code).toBe(4);
        expect(r.stderr).toContain(`in use by another run (pid ${process.pid} on this machine`);
        expect(r.stderr).toContain(`remove ${journal}.lock.`);
      }
      // Refused before anything: neither began its work.
      expect(resumed.stderr).not.toContain('Resuming');
      expect(undone.stderr).not.toContain('Putting back');
      const r = await running;
      expect(r.code).toBe(0);
      expect(readdirSync(cwd).filter((n) => n.includes('.lock'))).toEqual([]);
      expectSettled(emu);
      const after = await runCli(['jobs', 'import', '--resume', journal], { env: importEnv(emu), cwd });
      expect(after.code).toBe(0);
      expect(after.stderr).toMatch(/nothing left to do/);
    } finally {
      await removeDir(cwd);
    }
  });

  test('a lock left by a process that is gone is taken over with a warning; one held on another host is not', async () => {
    const cwd = await tempDir('journal-stale');
    try {
      const r = await importCli(emu, [zip, ...RELEASE_ARGS, '--journal', 'release.json'], { cwd });
      expect(r.code).toBe(0);
      const journal = path.join(cwd, 'release.json');
      const gone = spawnSync('true').pid!;
      await writeFile(`${journal}.lock.killed`, JSON.stringify({ pid: gone, host: hostname(), since: '2026-12-01T00:00:00.000Z', held: true }));
      const taken = await runCli(['jobs', 'import', '--resume', journal], { env: importEnv(emu), cwd });
      expect(taken.code).toBe(0);
      expect(taken.stderr).toContain(`removed a stale lock of ${journal}: pid ${gone} is no longer running`);
      expect(readdirSync(cwd).filter((n) => n.includes('.lock'))).toEqual([]);
      await writeFile(`${journal}.lock.elsewhere`, JSON.stringify({ pid: gone, host: 'build-agent-7', since: '2026-12-01T00:00:00.000Z', held: true }));
      const elsewhere = await runCli(['jobs', 'undo', journal], { env: importEnv(emu), cwd });
      expect(elsewhere.code).toBe(4);
      expect(elsewhere.stderr).toContain(`pid ${gone} on build-agent-7`);
      expect(elsewhere.stderr).toContain(`remove ${journal}.lock.elsewhere`);
      expect(readdirSync(cwd).filter((n) => n.includes('.lock'))).toEqual(['release.json.lock.elsewhere']);
    } finally {
      await removeDir(cwd);
    }
  });
});

function expectSettledIn(target: Emulator): void {
  const prod = target.state.workspace('prod');
  for (const name of names) expect({ name, status: RUNNING.has(prod.jobs.get(name)!.status) }).toEqual({ name, status: true });
  expect(stagedKeys(target)).toEqual([]);
}

describe('the restart rule', () => {
  test('a locked, running, changed job: stopped, not imported (exit 5), and running again afterwards', async () => {
    const locked = names[0]!;
    emu.state.setHardLock('prod', true);
    emu.state.workspace('prod').jobs.get(locked)!.lockedBy = 'someone-else';
    const r = await importCli(emu, [zip, ...RELEASE_ARGS, '--json'], { cwd: dir });
    expect(r.code).toBe(5);
    const doc = JSON.parse(r.stdout) as { jobs: { name: string; result: string }[]; restarts: { name: string; result: string }[] };
    expect(doc.jobs.find((j) => j.name === locked)!.result).toBe('failed');
    expect(doc.restarts.find((x) => x.name === locked)).toEqual({ name: locked, result: 'restarted' });
    expect(emu.state.workspace('prod').jobs.get(locked)!.status).toBe('SCHEDULING');
    expect(r.stderr).not.toMatch(/left stopped/);
    expectSettled(emu);
  });

  test('a 5xx on the status read during the restart is retried, never read as "no longer in the workspace"', async () => {
    const realTime = names.find((n) => emu.state.workspace('prod').jobs.get(n)!.jobType === 'REAL_TIME')!;
    // Every status read fails until the faults are lifted, after the restart has begun.
    const watcher = setInterval(() => {
      if (emu.requests.some((q) => q.method === 'POST' && q.path.endsWith(`/jobs/${realTime}/start`))) {
        clearInterval(watcher);
        emu.setFaults({ rate: 1, kinds: ['5xx'], pathPattern: /\/status$/ });
        setTimeout(() => emu.setFaults(undefined), 400);
      }
    }, 2);
    try {
      const r = await importCli(emu, [zip, ...RELEASE_ARGS, '--json'], { cwd: dir });
      expect(r.stderr).not.toMatch(/no longer in the workspace/);
      expect(r.code).toBe(0);
      expect(emu.requests.some((q) => q.path.endsWith(`/jobs/${realTime}/status`) && q.status >= 500)).toBe(true);
      expect(emu.state.workspace('prod').jobs.get(realTime)!.status).toBe('NORMAL');
    } finally {
      clearInterval(watcher);
    }
  });
});

describe('jobs undo JOURNAL', () => {
  test('with no workspace in the environment: the replaced jobs back as before (jobs diff ROLLBACK: same), run status as before, created jobs deleted with --delete-created', async () => {
    const created = names[names.length - 1]!;
    emu.state.workspace('prod').jobs.delete(created);
    emu.state.changed();
    const cwd = await tempDir('undo');
    try {
      const r = await importCli(emu, [zip, ...RELEASE_ARGS, '--json'], { cwd });
      expect(r.code).toBe(0);
      const journal = journalOf(r.stderr);
      const { rollback } = JSON.parse(r.stdout) as { rollback: string };
      const noWorkspace = emulatorEnv(emu);
      expect(noWorkspace.DATAARTS_WORKSPACE).toBeUndefined();
      const undo = await runCli(['jobs', 'undo', journal, '--delete-created', '--json'], { env: noWorkspace, cwd });
      expect(undo.stderr).not.toMatch(/Error/);
      expect(undo.code).toBe(0);
      const doc = JSON.parse(undo.stdout) as { restored: { name: string; result: string }[]; created: { name: string; state: string }[]; ok: boolean };
      expect(doc.ok).toBe(true);
      expect(doc.restored.map((o) => o.result)).toEqual(names.slice(0, -1).map(() => 'overwritten'));
      expect(doc.created).toEqual([{ name: created, state: 'deleted' }]);
      const prod = emu.state.workspace('prod');
      expect(prod.jobs.has(created)).toBe(false);
      // Nothing went to the default workspace.
      expect(emu.state.workspace('default').jobs.size).toBe(0);
      for (const name of names.slice(0, -1)) {
        expect(RUNNING.has(prod.jobs.get(name)!.status)).toBe(true);
        expect((JSON.parse(prod.jobs.get(name)!.text) as Record<string, unknown>).description).toBe(before.get(name));
      }
      const diff = await runCli(['jobs', 'diff', rollback, '--json'], { env: importEnv(emu), cwd });
      expect((JSON.parse(diff.stdout) as { jobs: { state: string }[] }).jobs.map((j) => j.state)).toEqual(names.slice(0, -1).map(() => 'same'));
    } finally {
      await removeDir(cwd);
    }
  });

  test('a script the release overwrites that no replaced job ran before is in the rollback archive, and comes back', async () => {
    const shared = { name: 'script_shared', type: 'HiveSQL', content: 'select 1 -- before', directory: '/', connectionName: 'dev_hive', database: 'hive_demo', description: '' };
    emu.state.putScript('prod', JSON.stringify(shared, null, 2), { lockedBy: emu.credentials.username });
    const carrier = names[0]!;
    const entries = workspaceEntries(emu, 'dev', [carrier]);
    const job = JSON.parse(entries.get(`jobs/${carrier}/${carrier}.job`)!.toString('utf8')) as { nodes: { properties: { name: string; value: string }[] }[] };
    // The new version runs script_shared (the old one did not), and carries a new version of it.
    job.nodes[0]!.properties.find((p) => p.name === 'scriptName')!.value = 'script_shared';
    entries.set(`jobs/${carrier}/${carrier}.job`, Buffer.from(JSON.stringify(job, null, 2)));
    entries.set(`jobs/${carrier}/script_shared.script`, Buffer.from(JSON.stringify({ ...shared, content: 'select 2 -- release' }, null, 2)));
    const cwd = await tempDir('undo-script');
    try {
      const archive = await writeZip(path.join(cwd, 'shared.zip'), entries);
      const r = await importCli(emu, [archive, ...RELEASE_ARGS], { cwd });
      expect(r.code).toBe(0);
      expect(JSON.parse(emu.state.workspace('prod').scripts.get('script_shared')!.text).content).toBe('select 2 -- release');
      const undo = await runCli(['jobs', 'undo', journalOf(r.stderr)], { env: emulatorEnv(emu), cwd });
      expect(undo.stderr).not.toMatch(/Error/);
      expect(undo.code).toBe(0);
      expect(JSON.parse(emu.state.workspace('prod').scripts.get('script_shared')!.text).content).toBe('select 1 -- before');
    } finally {
      await removeDir(cwd);
    }
  });

  test('refused (exit 4, nothing changed) while the release is unfinished', async () => {
    const slow = await startImportEmulator({ seedJobs: 4, importDelayMs: 400 });
    const cwd = await tempDir('undo-unfinished');
    try {
      seedProd(slow);
      const archive = await releaseArchive(slow, path.join(cwd, 'slow.zip'));
      const r = await importCli(slow, [archive, ...RELEASE_ARGS, '--timeout', '1'], { cwd });
      expect(r.code).toBe(6);
      slow.requests.length = 0;
      const undo = await runCli(['jobs', 'undo', journalOf(r.stderr)], { env: emulatorEnv(slow), cwd });
      expect(undo.code).toBe(4);
      expect(undo.stderr).toContain('--resume');
      expect(slow.requests).toEqual([]);
    } finally {
      await slow.close();
      await removeDir(cwd);
    }
  });
});
