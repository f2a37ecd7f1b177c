/**
 * An interrupted release that had stopped many running jobs says which stay stopped in one
 * bounded line (the first few named, the rest counted; all of them in the journal), never one
 * line listing every job: stderr stays within 200 characters a line (issue 17, "readable at any
 * size"). A real child process, SIGTERM while it waits for the import task.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importEnv, removeDir, startImportEmulator, tempDir, workspaceEntries, writeZip, STAGING, type Emulator } from './helpers.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/dataarts.js');
// Enough that listing every one would break the line: 20 names make a 270-character line, and
// the run is ~0.45 CPU-s cheaper than with 30 (each stopped job is several requests both sides).
const JOBS = 20;

let emu: Emulator;
let dir: string;
let zip: string;

beforeAll(async () => {
  // A slow task (60 ms a job), so the signal lands while the tool waits for it.
  emu = await startImportEmulator({ seedJobs: JOBS, importDelayMs: 60 });
  dir = await tempDir('interrupted-many');
  const dev = emu.state.workspace('dev');
  for (const s of dev.scripts.values()) emu.state.putScript('prod', s.text);
  for (const job of dev.jobs.values()) emu.state.putJob('prod', job.text, { status: job.jobType === 'REAL_TIME' ? 'NORMAL' : 'SCHEDULING' });
  const entries = workspaceEntries(emu, 'dev', [...dev.jobs.keys()].sort());
  for (const [entry, data] of entries) {
    if (entry.endsWith('.job')) entries.set(entry, Buffer.from(JSON.stringify({ ...(JSON.parse(data.toString('utf8')) as object), description: 'released' }, null, 2)));
  }
  zip = await writeZip(path.join(dir, 'release.zip'), entries);
});
afterAll(async () => {
  await emu.close();
  await removeDir(dir);
});

describe('interrupted with many jobs stopped', () => {
  test('SIGTERM while waiting: the jobs left stopped are named a few and counted, every line within 200 characters', async () => {
    const args = ['jobs', 'import', zip, '--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--stop-running', '--no-progress'];
    const child = spawn(process.execPath, [bin, ...args], { cwd: dir, env: { PATH: process.env.PATH, ...importEnv(emu) } });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.stdout.resume();
    const watcher = setInterval(() => {
      if (emu.requests.some((q) => q.method === 'GET' && q.path.includes('/system-tasks/'))) {
        clearInterval(watcher);
        child.kill('SIGTERM');
      }
    }, 2);
    const code = await new Promise((resolve) => child.on('close', (c) => resolve(c)));
    clearInterval(watcher);
    expect(code).toBe(143);
    expect(stderr).toMatch(/still stopped: job_\d+, job_\d+, job_\d+, job_\d+, job_\d+ and \d+ more \(all of them in the journal\)/);
    expect(stderr.split('\n').filter((l) => l.length > 200)).toEqual([]);
  });
});
