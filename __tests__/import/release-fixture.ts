/**
 * What the release-journal tests share (issue 18): an import emulator whose prod holds running
 * copies of dev's jobs before each test, an archive that changes every job's description, and a
 * release run as a real child process (to be interrupted with a real signal).
 */
import { afterAll, beforeAll, beforeEach, expect } from '@jest/globals';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clearWorkspace, importEnv, removeDir, stagedKeys, startImportEmulator, tempDir, workspaceEntries, writeZip, STAGING, type Emulator } from './helpers.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/dataarts.js');
export const RUNNING = new Set(['SCHEDULING', 'NORMAL']);
export const RELEASED = 'release 2 (issue 18 test)';

let emu: Emulator;
let dir: string;
let zip: string;
let names: string[];
/** Each job's description before the release. */
export const before = new Map<string, unknown>();

/** prod: copies of the dev jobs, all running; the archive: the same jobs with a new description. */
export function seedProd(target: Emulator): void {
  clearWorkspace(target, 'prod');
  const prod = target.state.workspace('prod');
  prod.runningImport = undefined;
  prod.hardLock = false;
  const dev = target.state.workspace('dev');
  for (const job of dev.jobs.values()) target.state.putJob('prod', job.text, { status: job.jobType === 'REAL_TIME' ? 'NORMAL' : 'SCHEDULING', lockedBy: target.credentials.username });
  for (const s of dev.scripts.values()) target.state.putScript('prod', s.text, { lockedBy: target.credentials.username });
  for (const r of dev.resources.values()) target.state.putResource('prod', r.text, { lockedBy: target.credentials.username });
  target.state.buckets.get('dataarts-staging')!.clear();
  target.requests.length = 0;
  target.state.importCalls.length = 0;
}

export async function releaseArchive(target: Emulator, file: string): Promise<string> {
  const entries = workspaceEntries(target, 'dev', [...target.state.workspace('dev').jobs.keys()].sort());
  for (const [entry, data] of entries) {
    if (!entry.endsWith('.job')) continue;
    const json = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
    entries.set(entry, Buffer.from(JSON.stringify({ ...json, description: RELEASED }, null, 2)));
  }
  return writeZip(file, entries);
}

/** The "Done when": every job runs again, holds the staged or the old definition, nothing staged is left. */
export function expectSettled(target: Emulator): void {
  const prod = target.state.workspace('prod');
  for (const name of names) {
    const job = prod.jobs.get(name)!;
    expect({ name, running: RUNNING.has(job.status) }).toEqual({ name, running: true });
    const description = (JSON.parse(job.text) as Record<string, unknown>).description;
    expect([RELEASED, before.get(name)]).toContainEqual(description);
  }
  expect(stagedKeys(target)).toEqual([]);
}

/** The hooks every release-journal test file runs; `fx` then holds the emulator, directory, archive and job names. */
export function useReleaseFixture(): void {
  beforeAll(async () => {
    emu = await startImportEmulator({ seedJobs: 4, importDelayMs: 60 });
    dir = await tempDir('journal');
    zip = await releaseArchive(emu, path.join(dir, 'release.zip'));
    names = [...emu.state.workspace('dev').jobs.keys()].sort();
    for (const [name, job] of emu.state.workspace('dev').jobs) before.set(name, (JSON.parse(job.text) as Record<string, unknown>).description);
  });
  afterAll(async () => {
    await emu.close();
    await removeDir(dir);
  });
  beforeEach(() => {
    emu.setLatency(0);
    emu.setFaults(undefined);
    seedProd(emu);
  });
}

/** The shared fixture's current values (read them in a beforeAll after useReleaseFixture()). */
export const fx = {
  get emu(): Emulator { return emu; },
  get dir(): string { return dir; },
  get zip(): string { return zip; },
  get names(): string[] { return names; },
};

export const RELEASE_ARGS = ['--obs-path', STAGING, '--duplicate-policy', 'overwrite', '--stop-running', '--no-progress'];


export type Step = 'stopping' | 'staging' | 'import call' | 'waiting' | 'restart';

/** The request after whose answer the signal is sent (the next step is then under way). */
export function reached(step: Step, q: { method: string; path: string }): boolean {
  switch (step) {
    case 'stopping': return q.method === 'POST' && q.path.endsWith('/stop');
    case 'staging': return q.method === 'PUT' && !q.path.startsWith('/v1/');
    case 'import call': return q.method === 'POST' && q.path.endsWith('/jobs/import');
    case 'waiting': return q.method === 'GET' && q.path.includes('/system-tasks/');
    case 'restart': return q.method === 'POST' && q.path.endsWith('/start');
  }
}

export function release(cwd: string): { kill(signal: NodeJS.Signals): void; done: Promise<{ code: number | null; signal: string | null; stderr: string }> } {
  const child = spawn(process.execPath, [bin, 'jobs', 'import', zip, ...RELEASE_ARGS], { cwd, env: { PATH: process.env.PATH, ...importEnv(emu) } });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  child.stdout.resume();
  return {
    kill: (signal) => child.kill(signal),
    done: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr }))),
  };
}
