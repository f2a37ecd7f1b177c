/**
 * Keeping an exported tree in git (issue 16): `--names-from` reads the paths `git diff
 * --name-only` prints as their job, and `--layout dir -o DIR/` naming an earlier tree of this
 * tool refreshes that tree (with --force) instead of nesting a new one inside it.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { jobNameOfPath, parseNameList } from '../../src/export/selection.js';
import { runCli } from '../helpers/cli.js';
import { emulatorEnv } from '../helpers/emulator-env.js';

let emu: Emulator;
let dir: string;
beforeAll(async () => {
  emu = await startEmulator({ seedJobs: 4 });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dataarts-tree-'));
});
afterAll(async () => {
  await emu.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('--names-from lines that are paths', () => {
  test.each([
    ['jobs/jobs/job_00003/job_00003.job', 'job_00003'],
    ['jobs/jobs/job_00003/job_00003', 'job_00003'],
    ['backup/jobs/job_00003/some_script.script', 'job_00003'],
    ['jobs/job_00003.job', 'job_00003'],
    ['jobs/job_00003', 'job_00003'],
    ['docs/readme.md', 'docs/readme.md'],
  ])('%s → %s', (line, name) => {
    expect(jobNameOfPath(line)).toBe(name);
  });

  test('names and paths mix; each job once, in order; comments and blanks ignored', () => {
    expect(parseNameList('job_00002\njobs/jobs/job_00003/job_00003.job\n# note\n\njobs/jobs/job_00003/s.script\njob_00002 # again\n'))
      .toEqual(['job_00002', 'job_00003']);
  });
});

describe('--layout dir -o DIR/ on an earlier tree', () => {
  test('refused without --force (not nested), refreshed with it, and git diff output selects the job', async () => {
    const env = emulatorEnv(emu);
    const first = await runCli(['jobs', 'export', '--all', '--layout', 'dir', '-o', 'jobs/', '--quiet'], { env, cwd: dir });
    expect(first.code).toBe(0);
    const again = await runCli(['jobs', 'export', '--all', '--layout', 'dir', '-o', 'jobs/'], { env, cwd: dir });
    expect(again.code).toBe(4);
    expect(again.stderr).toContain('--force');
    const job = path.join(dir, 'jobs/jobs/job_00003/job_00003.job');
    await fs.writeFile(job, 'edited locally');
    const refreshed = await runCli(['jobs', 'export', '--all', '--layout', 'dir', '-o', 'jobs/', '--force', '--quiet'], { env, cwd: dir });
    expect(refreshed.code).toBe(0);
    expect(await fs.readdir(path.join(dir, 'jobs'))).toEqual(['jobs']);
    expect(await fs.readFile(job, 'utf8')).toContain('"name": "job_00003"');
    const changed = await runCli(['jobs', 'export', '--names-from', '-', '-o', 'changed.zip', '--json'], { env, cwd: dir, stdin: 'jobs/jobs/job_00003/job_00003.job\n' });
    expect(changed.code).toBe(0);
    const doc = JSON.parse(changed.stdout) as { jobs: number; jobList: ({ name: string } | string)[] };
    expect(doc.jobs).toBe(1);
    expect(JSON.stringify(doc.jobList)).toContain("job_00003");
  });
});
