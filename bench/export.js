#!/usr/bin/env node
/**
 * Export benchmark (issue 3 item 8). Runs after `npm run build` (imports from dist/).
 *
 * 1. `jobs export --all` of a 10,000-job emulator workspace with the documented rate limits on
 *    (10 export calls/s), 20 ms latency and list pages capped at 100 (BENCH_LIST_PAGE_CAP), run as
 *    a real child process (`node bin/dataarts.js`): wall time, its ratio to the rate-limit bound
 *    (100 calls ÷ 10/s = 10 s; target ≤1.15×: the listing overlaps the exports) and peak RSS
 *    (VmHWM of the child, read from /proc while it runs; target ≤150 MB).
 *    BENCH_LIST_OFFSET=page0|page1 runs it against a service reading offset as a page number.
 * 2. The naive way on a 500-job slice: one single-job export call per job, one after another,
 *    through the same client, against the tool's export of the same 500 jobs (in-process).
 *
 * Figures go to stdout. Usage: node bench/export.js [--jobs N] [--slice N] [--no-naive]
 * BENCH_WORKSPACE_EXPORT=1 measures `jobs export-workspace --full` (the nightly backup's full run).
 * Diagnostics: BENCH_SHOW_STDERR=1 prints the child's stderr, BENCH_VERBOSE=1 adds --verbose,
 * BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=DIR' passes node flags to the child.
 */
import { spawn } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => path.join(root, 'dist', p);

const args = process.argv.slice(2);
const argValue = (flag, fallback) => {
  const i = args.indexOf(flag);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const JOBS = argValue('--jobs', 10_000);
const SLICE = argValue('--slice', 500);
const NAIVE = !args.includes('--no-naive');
const LATENCY_MS = 20;
// Huawei Cloud's documented maximum page of the job list (reference §7: limit 1–1000); the client
// asks for 1000 and steps down to 100 if a service (the OTC mirror) refuses it.
const LIST_PAGE_CAP = Number(process.env.BENCH_LIST_PAGE_CAP ?? 100);
// Extra node flags for the child, e.g. BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile it.
const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const RATE_BOUND_S = Math.ceil(JOBS / 100) / 10; // batch calls ÷ 10 calls per second

const { startEmulator } = await import(dist('emulator/index.js'));
const { connectionInfo } = await import(dist('emulator/cli.js'));
const { run } = await import(dist('cli/main.js'));
const { CleanupRegistry } = await import(dist('util/cleanup.js'));
const { Ui } = await import(dist('output/ui.js'));
const { openSession } = await import(dist('api/session.js'));

// BENCH_LIST_OFFSET=page0|page1: the emulator reads the list offset as a page number (fidelity issue).
const LIST_OFFSET = process.env.BENCH_LIST_OFFSET ?? 'record';
const emu = await startEmulator({ seedJobs: JOBS, rateLimits: true, latencyMs: LATENCY_MS, seed: 1, listPageCap: LIST_PAGE_CAP, listOffset: LIST_OFFSET });
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'dataarts-bench-export-'));
const env = {
  PATH: process.env.PATH,
  // The environment `dataarts emulator` prints, as a user's shell would have it.
  ...connectionInfo(emu).env,
};

/** Run the CLI as a child process, sampling its peak RSS (VmHWM) from /proc while it runs. */
function runChild(argv) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const startedAt = Date.now();
    const child = spawn(process.execPath, [...nodeArgs, path.join(root, 'bin/dataarts.js'), ...argv], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let hwmKb = 0;
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) hwmKb = Math.max(hwmKb, Number(m[1]));
      } catch {
        // The process has exited.
      }
    };
    const timer = setInterval(sample, 10);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ code, stdout, stderr, startedAt, endedAt: Date.now(), seconds: (performance.now() - started) / 1000, peakRssMb: hwmKb / 1024 });
    });
  });
}

/** A CommandContext like the CLI builds, for driving the client directly (the naive baseline). */
function benchContext() {
  const io = { stdin: Readable.from(['']), stdout: new PassThrough(), stderr: new PassThrough(), stdoutIsTTY: false, stderrIsTTY: false, stderrColumns: 0 };
  io.stdout.resume();
  io.stderr.resume();
  const deps = { io, env, cwd: work, homedir: work, now: () => new Date(), signal: new AbortController().signal, cleanup: new CleanupRegistry() };
  const globals = { json: false, quiet: true, verbose: false, color: false, progress: false };
  return { deps, globals, ui: new Ui(io, { quiet: true, verbose: false, color: false, progress: false, ci: true }) };
}

async function runInProcess(argv) {
  const ctx = benchContext();
  let stderr = '';
  ctx.deps.io.stderr.on('data', (c) => (stderr += c));
  const started = performance.now();
  const code = await run(argv, { ...ctx.deps, cleanup: new CleanupRegistry() }, { handleSignals: false });
  return { code, stderr, seconds: (performance.now() - started) / 1000 };
}

try {
  const before = emu.requests.length;
  // BENCH_WORKSPACE_EXPORT=1: the nightly backup's full run (`jobs export-workspace --full`) instead.
  const command = process.env.BENCH_WORKSPACE_EXPORT ? ['jobs', 'export-workspace', '--full'] : ['jobs', 'export', '--all'];
  const full = await runChild([...command, '-o', 'all.zip', '--no-progress', ...(process.env.BENCH_VERBOSE ? ['--verbose'] : [])]);
  if (process.env.BENCH_SHOW_STDERR) console.log(full.stderr);
  if (full.code !== 0) throw new Error(`jobs export --all failed (${full.code}): ${full.stderr}`);
  const calls = emu.requests.slice(before);
  const batchCalls = calls.filter((r) => r.path.endsWith('/jobs/batch-export')).length;
  const throttled = calls.filter((r) => r.status === 429).length;
  const size = (await fs.stat(path.join(work, 'all.zip'))).size;
  // Phases from the emulator's request log: start-up + listing, the batch exports, and the tail (merge end, manifest, rename).
  const exportTimes = calls.filter((r) => r.path.endsWith('/jobs/batch-export')).map((r) => r.time).sort((a, b) => a - b);
  const firstExport = Math.min(...exportTimes);
  const lastExport = Math.max(...exportTimes);
  // Headroom against the gateway's sliding one-second window: the shortest time in which 11
  // batch-export calls arrived (more than 1000 ms means no window ever held more than 10).
  const exportLimit = 10;
  let tightestSpan = Infinity;
  for (let i = 0; i + exportLimit < exportTimes.length; i++) tightestSpan = Math.min(tightestSpan, exportTimes[i + exportLimit] - exportTimes[i]);
  const firstCall = Math.min(...calls.map((r) => r.time));
  const phases = `start-up to the first request ${((firstCall - full.startedAt) / 1000).toFixed(2)} s, to the first export ${((firstExport - full.startedAt) / 1000).toFixed(2)} s, batch exports ${((lastExport - firstExport) / 1000).toFixed(2)} s, tail ${((full.endedAt - lastExport) / 1000).toFixed(2)} s`;
  const listCalls = calls.filter((r) => r.method === 'GET' && r.path.endsWith('/jobs')).length;
  console.log(`export --all: emulator: rate limits on, ${LATENCY_MS} ms latency, job list pages capped at ${LIST_PAGE_CAP}, offset read as ${LIST_OFFSET}`);
  console.log(`export --all: ${JOBS} jobs, ${batchCalls} batch-export calls, ${listCalls} list calls, ${calls.length - batchCalls - listCalls} other calls, ${throttled} throttled (429), archive ${size} bytes`);
  console.log(`export --all: wall ${full.seconds.toFixed(2)} s; rate-limit bound ${RATE_BOUND_S.toFixed(1)} s; ratio ${(full.seconds / RATE_BOUND_S).toFixed(2)}x (target <= 1.15x)`);
  console.log(`export --all: phases: ${phases}`);
  console.log(`export --all: shortest span of ${exportLimit + 1} consecutive batch-export arrivals ${tightestSpan} ms (the emulator's window is 1000 ms at ${exportLimit}/s)`);
  // Where the export phase lost time: gaps between consecutive batch-export arrivals over 150 ms (pacing is ~105 ms).
  const gaps = exportTimes.slice(1).map((t, i) => t - exportTimes[i]).filter((g) => g > 150);
  console.log(`export --all: ${gaps.length} gaps over 150 ms between batch-export arrivals, ${gaps.reduce((a, b) => a + b, 0)} ms in all${gaps.length ? ` (${gaps.slice(0, 8).join(', ')} ms …)` : ''}`);
  console.log(`export --all: peak RSS ${full.peakRssMb.toFixed(1)} MB (child VmHWM; target <= 150 MB)`);

  if (NAIVE) {
    const names = [...emu.state.workspace('default').jobs.keys()].sort().slice(0, SLICE);
    await fs.writeFile(path.join(work, 'slice.txt'), `${names.join('\n')}\n`);
    const tool = await runInProcess(['jobs', 'export', '--names-from', 'slice.txt', '-o', 'slice.zip', '--no-progress', '-q']);
    if (tool.code !== 0) throw new Error(`jobs export of the slice failed (${tool.code}): ${tool.stderr}`);

    const ctx = benchContext();
    const session = await openSession(ctx);
    const naiveDir = path.join(work, 'naive');
    await fs.mkdir(naiveDir);
    const started = performance.now();
    for (const name of names) {
      await session.dataarts.exportJob(name, { exportDepend: true, exportStatus: 'DEVELOP' }, path.join(naiveDir, `${name}.zip`));
    }
    const naiveSeconds = (performance.now() - started) / 1000;
    await session.close();
    console.log(`slice of ${SLICE} jobs: tool ${tool.seconds.toFixed(2)} s; naive (one export call per job, sequential) ${naiveSeconds.toFixed(2)} s; naive/tool ${(naiveSeconds / tool.seconds).toFixed(1)}x`);
  }
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ${new Date().toISOString()}`);
} finally {
  await emu.close();
  await fs.rm(work, { recursive: true, force: true });
}
