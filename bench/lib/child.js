/**
 * What the benchmarks share: the CLI run as a child process, as a user runs it, with its wall time
 * and its peak RSS (VmHWM, sampled from /proc every 10 ms while it runs).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/dataarts.js');
/** Extra node flags for the measured child (profiling: `BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'`). */
const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

/**
 * `dataarts ARGV` in `cwd` with exactly `env`. Resolves with the exit code, both outputs, the
 * start and end (epoch ms), the wall seconds, the peak RSS in MB and how many seconds before the
 * end that peak was reached, and its CPU seconds (user + system, sampled every 10 ms).
 */
export function runMeasured(argv, { env, cwd }) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const startedAt = Date.now();
    const child = spawn(process.execPath, [...nodeArgs, bin, ...argv], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let hwmKb = 0;
    let peakAt = started;
    // CPU seconds (user + system) as last sampled, at most 10 ms before the exit.
    let cpuTicks = 0;
    const ticksPerSecond = 100;
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setInterval(() => {
      try {
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ');
        if (stat) cpuTicks = Number(stat[11]) + Number(stat[12]);
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m && Number(m[1]) > hwmKb) {
          hwmKb = Number(m[1]);
          peakAt = performance.now();
        }
      } catch {
        // The process has exited.
      }
    }, 10);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      const ended = performance.now();
      resolve({
        code, stdout, stderr, startedAt, endedAt: Date.now(),
        seconds: (ended - started) / 1000, peakRssMb: hwmKb / 1024, peakBeforeEndSeconds: (ended - peakAt) / 1000,
        cpuSeconds: cpuTicks / ticksPerSecond,
      });
    });
  });
}
