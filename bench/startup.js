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

// A networked command from start to exit: `jobs list --json` of 20 jobs against the emulator (in
// this process, so the child is timed alone). Its first request compiles undici's HTTP parser
// (WebAssembly): dataarts asks V8 for its baseline compiler there (src/cli/process-tuning.ts).
const { startEmulator } = await import(path.join(root, 'dist', 'emulator', 'index.js'));
const { connectionInfo } = await import(path.join(root, 'dist', 'emulator', 'cli.js'));
const { spawn } = await import('node:child_process');
const emu = await startEmulator({ port: 0, seedJobs: 20 });
try {
  const env = { ...process.env, ...connectionInfo(emu).env };
  const listOnce = () => new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [bin, 'jobs', 'list', '--json'], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - started) / 1e6) : reject(new Error(`jobs list exited ${code}: ${stderr}`))));
  });
  await listOnce();
  const lists = [];
  for (let i = 0; i < Math.min(RUNS, 10); i++) lists.push(await listOnce());
  process.stdout.write(`first request: dataarts jobs list --json (20 jobs, emulator) median ${median(lists).toFixed(1)} ms over ${lists.length} runs\n`);
} finally {
  await emu.close();
}
