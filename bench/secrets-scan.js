#!/usr/bin/env node
/**
 * Secrets scan benchmark (issue 20 item 4). Runs after `npm run build` (imports from dist/).
 *
 * `jobs export --all` of a 10,000-job emulator workspace (plus the `--seed-secrets` jobs), rate
 * limits on and 20 ms latency as in bench/export.js, run as a child process: its wall time, which
 * includes the scan (every entry is scanned as it goes into the archive). Then the scan alone over
 * the same archive's entries, in this process (median of 5): that CPU time is what the scan adds
 * to the export at most (it runs in the merge, between batch downloads). Target: under 10 % of the
 * export's wall time without it. Also checks the findings: exactly the 4 planted secrets.
 *
 * Usage: node bench/secrets-scan.js [--jobs N]
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
const TARGET = 0.1;

const { startEmulator } = await import(dist('emulator/index.js'));
const { connectionInfo } = await import(dist('emulator/cli.js'));
const { scanEntries } = await import(dist('secrets/scan.js'));
const { readZipEntries } = await import(dist('archive/zip-read.js'));
const { EXPORT_BATCH_LIMITS } = await import(dist('archive/limits.js'));

const emu = await startEmulator({ seedJobs: JOBS, seedSecrets: true, rateLimits: true, latencyMs: 20, seed: 1 });
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'dataarts-bench-secrets-'));
const env = { PATH: process.env.PATH, ...connectionInfo(emu).env };


const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const r = await runMeasured(['jobs', 'export', '--all', '-o', 'all.zip', '--no-progress', '--json'], { env, cwd: work });
  if (r.code !== 0) throw new Error(`jobs export --all failed (${r.code}): ${r.stderr}`);
  const reported = JSON.parse(r.stdout).secrets;
  const entries = await readZipEntries(path.join(work, 'all.zip'), EXPORT_BATCH_LIMITS);
  const times = [];
  let findings = [];
  for (let n = 0; n < 5; n++) {
    const t0 = performance.now();
    findings = scanEntries(entries);
    times.push((performance.now() - t0) / 1000);
  }
  const scan = median(times);
  const bytes = entries.reduce((s, e) => s + e.data.length, 0);
  const share = scan / (r.seconds - scan);
  console.log(`secrets scan: ${JOBS + 5} jobs, ${entries.length} entries, ${(bytes / 1048576).toFixed(1)} MiB unpacked; export --all wall ${r.seconds.toFixed(2)} s (scan included)`);
  console.log(`secrets scan: the scan alone ${(scan * 1000).toFixed(0)} ms (median of 5: ${times.map((t) => (t * 1000).toFixed(0)).join(', ')} ms) = ${(share * 100).toFixed(1)} % of the export without it (target < ${TARGET * 100} %)`);
  console.log(`secrets scan: ${findings.length} findings (${findings.map((f) => f.kind).join(', ')}); the export reported ${reported.length}`);
  if (findings.length !== 4 || reported.length !== 4) throw new Error('expected exactly the 4 planted secrets');
  if (share >= TARGET) process.exitCode = 1;
} finally {
  await emu.close();
  await fs.rm(work, { recursive: true, force: true });
}
