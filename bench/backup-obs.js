#!/usr/bin/env node
/**
 * Backup repository benchmark (issue 19): the same full night — `jobs export-workspace
 * --state-file S -o R` of a 10,000-job workspace, the documented rate limits on (10 export
 * calls/s), 20 ms latency, list pages capped at 100 — once to a local directory and once to an
 * OBS prefix of the emulator, each as a real child process (`node bin/dataarts.js`). Prints wall
 * time, the OBS/local ratio (target ≤ 1.2×) and each run's peak RSS (VmHWM from /proc; target
 * ≤ 160 MB). Runs after `npm run build` (imports from dist/). Usage: node bench/backup-obs.js [--jobs N]
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMeasured } from './lib/child.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => path.join(root, 'dist', p);
const args = process.argv.slice(2);
const i = args.indexOf('--jobs');
const JOBS = i >= 0 ? Number(args[i + 1]) : 10_000;

const { startEmulator } = await import(dist('emulator/index.js'));
const { connectionInfo } = await import(dist('emulator/cli.js'));

const emu = await startEmulator({ seedJobs: JOBS, rateLimits: true, latencyMs: 20, seed: 1, listPageCap: 100 });
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'dataarts-bench-backup-'));
const env = { PATH: process.env.PATH, ...connectionInfo(emu).env };


/** One night as a child process; BENCH_SHOW_PEAK=1 also says when its memory peaked. */
async function measure(argv) {
  const r = await runMeasured(argv, { env, cwd: work });
  if (process.env.BENCH_SHOW_PEAK) console.log(`${argv.join(' ')}: peak ${r.peakRssMb.toFixed(1)} MB reached ${r.peakBeforeEndSeconds.toFixed(2)} s before the end`);
  return r;
}

try {
  await fs.mkdir(path.join(work, 'local'));
  await fs.mkdir(path.join(work, 'local2'));
  const local = await measure(['jobs', 'export-workspace', '--state-file', 'local/state.json', '-o', 'local/', '--no-progress', '-q']);
  if (local.code !== 0) throw new Error(`local night failed (${local.code}): ${local.stderr}`);
  const obs = await measure(['jobs', 'export-workspace', '--state-file', 'obs://dataarts-staging/nightly/state.json', '-o', 'obs://dataarts-staging/nightly/', '--no-progress', '-q']);
  if (obs.code !== 0) throw new Error(`OBS night failed (${obs.code}): ${obs.stderr}`);
  const archive = emu.state.obsKeys('dataarts-staging').find((k) => k.endsWith('.zip') && !k.endsWith('.scripts.zip'));
  const bytes = emu.state.obsObject('dataarts-staging', archive).length;
  const local2 = await measure(['jobs', 'export-workspace', '--state-file', 'local2/state.json', '-o', 'local2/', '--no-progress', '-q']);
  const localSeconds = Math.min(local.seconds, local2.code === 0 ? local2.seconds : Infinity);
  console.log(`backup night: ${JOBS} jobs, full archive ${bytes} bytes; emulator: rate limits on, 20 ms latency, list pages capped at 100`);
  console.log(`backup night: local ${local.seconds.toFixed(2)} s and ${local2.seconds.toFixed(2)} s (peak RSS ${local.peakRssMb.toFixed(1)} / ${local2.peakRssMb.toFixed(1)} MB)`);
  console.log(`backup night: OBS ${obs.seconds.toFixed(2)} s (peak RSS ${obs.peakRssMb.toFixed(1)} MB); OBS/local ${(obs.seconds / localSeconds).toFixed(2)}x (target <= 1.2x; RSS target <= 160 MB)`);
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ${new Date().toISOString()}`);
} finally {
  await emu.close();
  await fs.rm(work, { recursive: true, force: true });
}
