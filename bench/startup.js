#!/usr/bin/env node
// Start-up cost of the CLI: `node bin/dataarts.js --version` against bare `node -e 0`, in the same
// environment (this machine's NODE_EXTRA_CA_CERTS alone adds ~50 ms to every Node start, so only
// the ratio is comparable across machines). Median of RUNS runs each, interleaved so drift in
// machine load hits both alike. Needs the build (`npm run build`). Target: ratio <= 1.5.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const bin = path.join(root, 'bin', 'dataarts.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const TARGET = 1.5;

if (!existsSync(path.join(root, 'dist', 'cli', 'main.js'))) {
  process.stderr.write('bench/startup.js: dist/ is missing; run `npm run build` first\n');
  process.exit(1);
}

function timeOnce(args) {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: process.env });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

// One warm-up of each (file system cache), not counted.
timeOnce(['-e', '0']);
timeOnce([bin, '--version']);
const bare = [];
const cli = [];
for (let i = 0; i < RUNS; i++) {
  bare.push(timeOnce(['-e', '0']));
  cli.push(timeOnce([bin, '--version']));
}
const bareMs = median(bare);
const cliMs = median(cli);
const ratio = cliMs / bareMs;
process.stdout.write(
  `startup: node -e 0 median ${bareMs.toFixed(1)} ms; dataarts --version median ${cliMs.toFixed(1)} ms; ` +
    `ratio ${ratio.toFixed(2)}x (target <= ${TARGET}x, ${ratio <= TARGET ? 'met' : 'NOT met'}; ${RUNS} runs each)\n`,
);
