/**
 * Export under faults and signals (issue 5 items 1 and 5): injected 5xx, resets, 429s and
 * truncated bodies still give an archive equal to the workspace; exhausted retries exit 6 and
 * interrupts exit 130/143, both leaving no output and no temp files.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';
import { InterruptedError } from '../../src/errors.js';
import { cliEnv, expectedEntries, makeTempDir, mapDiff, startTestEmulator, zipContents, type Emulator } from './helpers.js';

/** An existing output --force may replace: a zip (the smallest one, empty). */
/** An empty zip with the comment this tool writes (an earlier output of ours: --force may replace it). */
const OUR_COMMENT = Buffer.from('dataarts 0.0.0 jobs export; workspace default; 0 jobs; metadata in the .manifest.json sidecar');
const EXISTING_ZIP = Buffer.concat([Buffer.from([0x50, 0x4b, 0x05, 0x06]), Buffer.alloc(16), Buffer.from([OUR_COMMENT.length, 0]), OUR_COMMENT]);

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const started: Emulator[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const e of started.splice(0)) await e.close();
  for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

async function setup(seed: number, jobs: number, latencyMs = 0): Promise<{ emu: Emulator; dir: string }> {
  const emu = await startTestEmulator({ seedJobs: jobs, seed, latencyMs });
  started.push(emu);
  const dir = await makeTempDir(`faults-${seed}`);
  dirs.push(dir);
  return { emu, dir };
}


describe('jobs export under faults', () => {
  // Requests that hit an injected fault across the seeded runs (each run alone makes only ~8 calls).
  let faultedCalls = 0;

  test.each([1, 2, 3])('15%% injected faults (seed %i): the archive still equals the workspace', async (seed) => {
    const { emu, dir } = await setup(seed, 250);
    emu.setFaults({ rate: 0.15, kinds: ['5xx', 'reset', '429', 'truncate'] });
    const r = await runCli(['jobs', 'export', '--all', '-o', 'faulty.zip'], { env: cliEnv(emu, { DATAARTS_RETRY_MAX_ATTEMPTS: '8' }), cwd: dir });
    expect(r.stderr).not.toContain('Error');
    expect(r.code).toBe(0);
    emu.setFaults(undefined);
    const names = [...emu.state.workspace('default').jobs.keys()];
    expect(mapDiff(await zipContents(path.join(dir, 'faulty.zip')), expectedEntries(emu, names))).toEqual([]);
    expect((await fs.readdir(dir)).sort()).toEqual(['faulty.zip', 'faulty.zip.manifest.json']);
    // Faulted calls: answered with an error or reset (status 0), or truncated (seen as extra batch-export calls beyond the 3 needed).
    const calls = emu.requests.filter((q) => q.path.startsWith('/v1/'));
    faultedCalls += calls.filter((q) => q.status !== 200).length + Math.max(0, calls.filter((q) => q.path.endsWith('/batch-export')).length - 3);
  }, 30_000);

  test('faults were really injected in those runs (retries happened)', () => {
    expect(faultedCalls).toBeGreaterThan(0);
  });

  test('when retries run out (every export call fails) it exits 6 and leaves nothing behind', async () => {
    const { emu, dir } = await setup(4, 150);
    await fs.writeFile(path.join(dir, 'keep.zip'), EXISTING_ZIP);
    // Listing works; every export call fails.
    emu.setFaults({ rate: 1, kinds: ['5xx', 'reset', 'truncate'], pathPattern: /export/ });
    const r = await runCli(['jobs', 'export', '--all', '-o', 'keep.zip', '--force'], {
      env: cliEnv(emu, { DATAARTS_RETRY_MAX_ATTEMPTS: '3' }),
      cwd: dir,
    });
    expect(r.code).toBe(6);
    expect(await fs.readdir(dir)).toEqual(['keep.zip']);
    expect(await fs.readFile(path.join(dir, 'keep.zip'))).toEqual(EXISTING_ZIP);
  }, 30_000);

  test.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s mid-export exits %i, removes temp files and leaves an existing output untouched', async (sig, code) => {
    const { emu, dir } = await setup(5, 300, 150);
    await fs.writeFile(path.join(dir, 'out.zip'), EXISTING_ZIP);
    const controller = new AbortController();
    const watcher = setInterval(() => {
      // Abort once the first batch has been asked for: temp files exist by then.
      if (emu.requests.some((q) => q.path.endsWith('/jobs/batch-export'))) {
        clearInterval(watcher);
        setTimeout(() => controller.abort(new InterruptedError(sig)), 100);
      }
    }, 10);
    try {
      const r = await runCli(['jobs', 'export', '--all', '-o', 'out.zip', '--force'], { env: cliEnv(emu), cwd: dir, signal: controller.signal });
      expect(controller.signal.aborted).toBe(true);
      expect(r.code).toBe(code);
    } finally {
      clearInterval(watcher);
    }
    expect(await fs.readdir(dir)).toEqual(['out.zip']);
    expect(await fs.readFile(path.join(dir, 'out.zip'))).toEqual(EXISTING_ZIP);
  }, 30_000);

  test('a real process sent SIGINT mid-export exits 130 and leaves no temp files', async () => {
    const { emu, dir } = await setup(6, 300, 150);
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/dataarts.js'), 'jobs', 'export', '--all', '-o', 'out.zip', '--no-progress'], {
      cwd: dir,
      env: { PATH: process.env.PATH, ...cliEnv(emu) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const watcher = setInterval(() => {
      if (emu.requests.some((q) => q.path.endsWith('/jobs/batch-export'))) {
        clearInterval(watcher);
        setTimeout(() => child.kill('SIGINT'), 100);
      }
    }, 10);
    const code = await exited;
    clearInterval(watcher);
    expect({ code, stderr: stderr.slice(-300) }).toMatchObject({ code: 130 });
    expect(await fs.readdir(dir)).toEqual([]);
  }, 30_000);
});
