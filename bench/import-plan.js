#!/usr/bin/env node
/**
 * Benchmark (issue 12 item 5): the plan of an overwrite of 250 jobs, at the documented rate limits
 * (emulator rate limits on), as a user runs it: `dataarts jobs import ARCHIVE --duplicate-policy
 * overwrite --dry-run` in a child process, wall time from spawn to exit. Every job of the archive
 * already exists in the target (stopped), so every job is an overwrite. The plan reads the list,
 * one job's details (does the service report lock state?), the connections, and the current
 * definitions by batch export (⌈250/100⌉ calls) for the per-job change counts.
 *
 * Target: under 3 s. Imports from dist/: run `npm run build` first.
 * Usage: node bench/import-plan.js [runs=3]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const JOBS = 250;
const TARGET_MS = 3000;
const runs = Number(process.argv[2] ?? 3);

async function loadDist() {
  try {
    const [emulator, emulatorCli, zipWrite] = await Promise.all([
      import(path.join(root, 'dist/emulator/index.js')),
      import(path.join(root, 'dist/emulator/cli.js')),
      import(path.join(root, 'dist/archive/zip-write.js')),
    ]);
    return { ...emulator, connectionInfo: emulatorCli.connectionInfo, ...zipWrite };
  } catch (err) {
    console.error(`cannot load dist/ (run \`npm run build\` first): ${err.message}`);
    process.exit(1);
  }
}

const { startEmulator, connectionInfo, DeterministicZipWriter, compareEntryNames } = await loadDist();
// lockFields: false is the emulator's default once the service's lock fields are opt-in (issue 13);
// with lock state reported, the plan reads every job's details at 10/s by design.
const emu = await startEmulator({ port: 0, workspaces: ['dev', 'prod'], seedWorkspace: 'dev', seedJobs: JOBS, rateLimits: true, lockFields: false });
const dir = await mkdtemp(path.join(os.tmpdir(), 'dataarts-bench-plan-'));
try {
  const dev = emu.state.workspace('dev');
  for (const c of dev.connections.values()) emu.state.addConnection('prod', c);
  for (const s of dev.scripts.values()) emu.state.putScript('prod', s.text);
  for (const r of dev.resources.values()) emu.state.putResource('prod', r.text);
  const entries = new Map();
  for (const [name, job] of dev.jobs) {
    emu.state.putJob('prod', job.text.replace('"description": "seeded', '"description": "prod'), { status: 'STOPPED' });
    entries.set(`jobs/${name}/${name}.job`, Buffer.from(job.text));
    for (const m of job.text.matchAll(/"name": "(scriptName|resourceName)",\s*"value": "([^"]+)"/g)) {
      const text = m[1] === 'scriptName' ? dev.scripts.get(m[2])?.text : dev.resources.get(m[2])?.text;
      if (text) entries.set(`jobs/${name}/${m[2]}.${m[1] === 'scriptName' ? 'script' : 'resource'}`, Buffer.from(text));
    }
  }
  const archive = path.join(dir, 'release.zip');
  const writer = DeterministicZipWriter.open(archive);
  for (const name of [...entries.keys()].sort(compareEntryNames)) writer.add(name, entries.get(name));
  await writer.finish();

  // The environment `dataarts emulator` prints, as a user's shell would have it.
  const env = { PATH: process.env.PATH, ...connectionInfo(emu).env, DATAARTS_WORKSPACE: 'prod' };
  const times = [];
  for (let i = 0; i < runs; i++) {
    // Let the emulator's one-second rate windows drain between runs.
    await new Promise((r) => setTimeout(r, 1100));
    const t0 = process.hrtime.bigint();
    // Async spawn: the emulator runs in this process and must keep answering.
    const r = await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(root, 'bin/dataarts.js'), 'jobs', 'import', archive, '--duplicate-policy', 'overwrite', '--dry-run', '--obs-path', `obs://${emu.credentials.bucket}/bench/`, '--no-progress', '--json'], { env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) {
      console.error(r.stderr);
      throw new Error(`dry run exited ${r.status}`);
    }
    const doc = JSON.parse(r.stdout);
    const overwrites = doc.jobs.filter((j) => j.action === 'overwrite').length;
    if (overwrites !== JOBS) throw new Error(`expected ${JOBS} overwrites, got ${overwrites}`);
    times.push(ms);
  }
  const requests = emu.requests.filter((q) => q.path.startsWith('/v1/')).length / runs;
  const throttled = emu.requests.filter((q) => q.status === 429).length;
  const best = Math.min(...times);
  console.log(`import plan, overwrite of ${JOBS} jobs (rate limits on): best ${(best / 1000).toFixed(2)} s, runs ${times.map((t) => (t / 1000).toFixed(2)).join(' / ')} s; ${requests} DataArts requests per plan, ${throttled} throttled; target < ${TARGET_MS / 1000} s`);
  if (best >= TARGET_MS) process.exitCode = 1;
} finally {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
}
