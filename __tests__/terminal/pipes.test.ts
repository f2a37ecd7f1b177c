/**
 * Contract: a closed standard output is not an error. The real bin runs in a child bash under
 * `set -o pipefail`, piped into readers that go away early; the pipeline's status is the CLI's.
 * Uses dist/ (build with tsc first). Commands that could show progress run with --no-progress:
 * on a loaded machine a listing takes long enough to print its progress line on stderr, and
 * "nothing on stderr" must not depend on a quiet machine. The cases are independent child
 * processes, so they run concurrently.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { emulatorEnv } from '../helpers/emulator-env.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(repoRoot, 'bin/dataarts.js');

interface Shell { code: number; stdout: string; stderr: string }

/** Run `script` in bash with pipefail; `$D` is the CLI. */
function bash(script: string, env: Record<string, string>, cwd: string): Promise<Shell> {
  return new Promise((resolve) => {
    execFile('bash', ['--norc', '--noprofile', '-c', `set -o pipefail; D="${process.execPath} ${bin}"; ${script}`], { env: { PATH: process.env.PATH ?? '', ...env }, cwd, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number) : 0;
      resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
    });
  });
}

let emu: Emulator;
/** For the cases about one command's own output: 1,200 jobs only where the listing must overflow a pipe. */
let small: Emulator;
let dir: string;

// Child processes on a busy machine: allow more than the default 30 s.
jest.setTimeout(90_000);

beforeAll(async () => {
  emu = await startEmulator({ seedJobs: 1200 });
  small = await startEmulator({ seedJobs: 3 });
  dir = mkdtempSync(path.join(os.tmpdir(), 'dataarts-pipes-'));
});
afterAll(async () => {
  await emu.close();
  await small.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a reader that goes away early', () => {
  test.concurrent.each([
    ['--help | true'],
    ['--help | head -1'],
    ['--version | true'],
    ['jobs export --help | true'],
    ['help jobs export | head -c 1'],
  ])('dataarts %s: exit 0, nothing on stderr', async (tail) => {
    const r = await bash(`$D ${tail}`, {}, dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  // 1,200 lines are more than a pipe buffer holds, so the CLI really writes into a closed pipe.
  test.concurrent('jobs list | head -1 over 1,200 jobs: the header only, exit 0, no stack trace', async () => {
    const r = await bash('$D jobs list --no-progress | head -1', emulatorEnv(emu), dir);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/^NAME\s+TYPE/);
    expect(r.code).toBe(0);
  });

  test.concurrent('jobs list into a reader that closed before the first byte: exit 0', async () => {
    const r = await bash('$D jobs list --json --no-progress | true', emulatorEnv(emu), dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  test.concurrent('jobs export --json | head -c 1: the work is finished (archive written), exit 0', async () => {
    const r = await bash('$D jobs export job_00001 job_00002 job_00003 -o x.zip --json --no-progress | head -c 1', emulatorEnv(small), dir);
    expect(r.stdout).toBe('{');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(path.join(dir, 'x.zip'))).toBe(true);
    expect(existsSync(path.join(dir, 'x.zip.manifest.json'))).toBe(true);
  });

  test.concurrent('a failing command keeps its own exit code when its reader is gone (the pipe is not reported)', async () => {
    const r = await bash('$D jobs export nosuchjob --json | true', emulatorEnv(small), dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown job: nosuchjob');
    expect(r.stderr).not.toMatch(/EPIPE|at .*\.js:\d+/);
  });
});
