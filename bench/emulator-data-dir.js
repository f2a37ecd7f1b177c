#!/usr/bin/env node
/**
 * Benchmark (issue 16 item 4): `dataarts jobs import` of 2,500 new jobs (with their scripts and
 * resources) into an emulator, with and without `--data-dir`, wall time of the CLI process from
 * spawn to exit. The emulator persists its whole state (~19 MB at this size) as one file; it
 * used to rewrite it 20 ms after every change, so the import crawled at 9-16 jobs/s. It now
 * writes at most once a second (src/emulator/persist.ts).
 *
 * Target: the import with --data-dir within 1.5x of the one without. Imports from dist/: run
 * `npm run build` first. Usage: node bench/emulator-data-dir.js [jobs=2500]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const JOBS = Number(process.argv[2] ?? 2500);
const TARGET_RATIO = 1.5;

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

/** The release archive: every dev job in its own folder with the scripts and resources it uses. */
async function writeRelease(emu, file) {
  const dev = emu.state.workspace('dev');
  const entries = new Map();
  for (const [name, job] of dev.jobs) {
    entries.set(`jobs/${name}/${name}.job`, Buffer.from(job.text));
    for (const m of job.text.matchAll(/"name": "(scriptName|resourceName)",\s*"value": "([^"]+)"/g)) {
      const text = m[1] === 'scriptName' ? dev.scripts.get(m[2])?.text : dev.resources.get(m[2])?.text;
      if (text) entries.set(`jobs/${name}/${m[2]}.${m[1] === 'scriptName' ? 'script' : 'resource'}`, Buffer.from(text));
    }
  }
  const writer = DeterministicZipWriter.open(file);
  for (const name of [...entries.keys()].sort(compareEntryNames)) writer.add(name, entries.get(name));
  await writer.finish();
}

function runCli(args, env) {
  // Async spawn: the emulator runs in this process and must keep answering.
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/dataarts.js'), ...args], { env });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

/** One import of JOBS new jobs into prod; returns its wall time (ms) and the state-file writes. */
async function importOnce(dir, dataDir) {
  const emu = await startEmulator({ port: 0, workspaces: ['dev', 'prod'], seedWorkspace: 'dev', seedJobs: JOBS, ...(dataDir ? { dataDir } : {}) });
  try {
    for (const c of emu.state.workspace('dev').connections.values()) emu.state.addConnection('prod', c);
    const archive = path.join(dir, `release-${dataDir ? 'persisted' : 'memory'}.zip`);
    await writeRelease(emu, archive);
    const env = { PATH: process.env.PATH, ...connectionInfo(emu).env, DATAARTS_WORKSPACE: 'prod' };
    const t0 = process.hrtime.bigint();
    const r = await runCli(['jobs', 'import', archive, '--obs-path', `obs://${emu.credentials.bucket}/bench/`, '--no-progress'], env);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`import exited ${r.status}: ${r.stderr.slice(-2000)}`);
    const imported = emu.state.workspace('prod').jobs.size;
    if (imported !== JOBS) throw new Error(`expected ${JOBS} jobs in prod, found ${imported}`);
    return ms;
  } finally {
    await emu.close();
  }
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'dataarts-bench-datadir-'));
try {
  const memory = await importOnce(dir, undefined);
  const persisted = await importOnce(dir, path.join(dir, 'data'));
  const ratio = persisted / memory;
  console.log(`jobs import of ${JOBS.toLocaleString('en')} new jobs: ${(memory / 1000).toFixed(1)} s in memory, ${(persisted / 1000).toFixed(1)} s with --data-dir: ${ratio.toFixed(2)}x (target <= ${TARGET_RATIO}x: ${ratio <= TARGET_RATIO ? 'met' : 'NOT met'})`);
  if (ratio > TARGET_RATIO) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
