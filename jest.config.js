/** Native ESM jest with @swc/jest (see shared/docs/stack.md). */
import os from 'node:os';

export default {
  // jest's node environment; the worker's exit is why it is ours (see the file).
  testEnvironment: '<rootDir>/__tests__/helpers/test-environment.js',
  // jest's order (longest first), with durations for a checkout whose jest cache has none (see the file).
  testSequencer: '<rootDir>/__tests__/helpers/test-sequencer.js',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['@swc/jest', {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'es6' },
    }],
  },
  // Most suites wait on loopback HTTP, child processes and temporary files rather than the CPU,
  // so more workers than cores pays: on 2 cores, 1 worker (jest's default there) took ~77 s, 3
  // took 25–28 s (2026-11); with today's suite (841 tests, many waiting on paced calls and task
  // polls), 4 workers took 62.5 / 64.0 s against 74.9 / 73.3 s for 3 and 71.1 s for 5 (quiet,
  // 2026-12-02). Tests bind port 0, use their own temporary directories and bound work on CPU
  // time, not wall time (__tests__/helpers/cpu-time.ts), so they hold up in parallel.
  // `--maxWorkers=N` on the command line still overrides this. Workers stay child processes, not
  // worker threads: process.cpuUsage() would count every thread's work.
  maxWorkers: Math.max(4, os.availableParallelism() + 2),
  // Generous: with 3 workers on a shared 2-core machine a heavy test can wait its turn for the CPU;
  // work bounds are asserted inside the tests, and a hang still fails.
  testTimeout: 60000,
  // How long jest waits for a worker to end after the last suite before killing it and printing
  // "failed to exit gracefully" (default 500 ms). Our environment makes a worker end in 80–190 ms
  // on a quiet machine, but with the machine loaded 5×, tearing down a 400 MB process took longer
  // than 500 ms in 2 of 10 runs (2026-12-02). A real leak (a timer, a server, a child) keeps the
  // worker alive for good, so it is still reported, 5 s later.
  workerGracefulExitTimeout: 5000,
};
