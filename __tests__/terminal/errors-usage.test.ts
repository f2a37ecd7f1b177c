/**
 * Local files (exit 7 naming the path, before any request), usage errors at parse time (bad globs,
 * `help jobs export`), the --json error document, and an unknown workspace on the first answer.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { asLocalFileError, LocalFileError } from '../../src/errors.js';
import { globProblem } from '../../src/util/glob.js';
import { runCli } from '../helpers/cli.js';
import { emulatorEnv } from '../helpers/emulator-env.js';

let emu: Emulator;
let dir: string;

beforeAll(async () => {
  emu = await startEmulator({ seedJobs: 5 });
  dir = mkdtempSync(path.join(os.tmpdir(), 'dataarts-errors-'));
  writeFileSync(path.join(dir, 'file.zip'), 'not a directory');
});
afterAll(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = () => emulatorEnv(emu);
const requestsDuring = async (fn: () => Promise<void>) => {
  const before = emu.requests.length;
  await fn();
  return emu.requests.slice(before);
};

describe('input archives that cannot be read: exit 7 naming the path, nothing requested', () => {
  test.each([
    // A relative ARCHIVE is named as resolved against the command's working directory.
    [['jobs', 'import', 'missing.zip', '--obs-path', 'obs://dataarts-staging/x/'], '{dir}/missing.zip', 'no such file or directory'],
    [['jobs', 'import', '{dir}/file.zip/x.zip', '--obs-path', 'obs://dataarts-staging/x/'], '{dir}/file.zip/x.zip', 'a part of the path is not a directory'],
    [['jobs', 'refs', 'missing.zip'], '{dir}/missing.zip', 'no such file or directory'],
  ])('%j', async (args, where, words) => {
    const argv = args.map((a) => a.replace('{dir}', dir));
    const shown = where.replace('{dir}', dir);
    let r: Awaited<ReturnType<typeof runCli>> | undefined;
    const requests = await requestsDuring(async () => {
      r = await runCli(argv, { env: env(), cwd: dir });
    });
    expect(r!.code).toBe(7);
    expect(r!.stderr).toContain(`cannot read ${shown}: ${words}`);
    expect(r!.stderr).not.toMatch(/bug|at .*\.[jt]s:\d+/);
    expect(requests).toEqual([]);
  });

  test('with --json the error document says exit 7 and names the path', async () => {
    const r = await runCli(['jobs', 'import', 'missing.zip', '--obs-path', 'obs://dataarts-staging/x/', '--json'], { env: env(), cwd: dir });
    expect(r.code).toBe(7);
    const doc = JSON.parse(r.stdout) as { error: { exitCode: number; details: { path: string; code: string } } };
    expect(doc.error.exitCode).toBe(7);
    expect(doc.error.details).toEqual({ path: path.join(dir, 'missing.zip'), code: 'ENOENT' });
  });
});

describe('a raw fs error that reaches the top', () => {
  test('is reported in words with its path and exit 7, never as a bug', async () => {
    // -o below a regular file cannot be created; whatever touches it first, the error names the path in words.
    const r = await runCli(['jobs', 'export', '--all', '-o', path.join(dir, 'file.zip', 'x.zip')], { env: env(), cwd: dir });
    expect(r.code).toBe(7);
    // Checked before the first request: the output's directory is named, with the reason in words.
    expect(r.stderr).toMatch(new RegExp(`^Error: cannot \\w+ ${dir}/file\\.zip\\S*: (a part of the path is not a directory|${dir}/file\\.zip is not a directory)`, 'm'));
    expect(r.stderr).not.toMatch(/bug|ENOENT:|at .*\.[jt]s:\d+/);
  });

  test.each([
    ['open', 'open'],
    ['mkdir', 'create'],
    ['rename', 'rename'],
    ['scandir', 'read'],
    ['write', 'write'],
    ['unlink', 'remove'],
  ])('syscall %s → "cannot %s"', (syscall, action) => {
    const raw = Object.assign(new Error(`EACCES: permission denied, ${syscall} '/x/y'`), { code: 'EACCES', syscall, path: '/x/y' });
    const err = asLocalFileError(raw);
    expect(err).toBeInstanceOf(LocalFileError);
    expect((err as Error).message).toBe(`cannot ${action} /x/y: permission denied`);
  });

  test('a non-fs error is left alone (still a bug)', () => {
    const bug = new TypeError('x is undefined');
    expect(asLocalFileError(bug)).toBe(bug);
  });
});

describe('malformed globs: exit 2 naming the pattern, before any request', () => {
  test.each([
    [['jobs', 'list', '--match', '[z-a]'], '[z-a]'],
    [['jobs', 'list', '--match', 'etl_*', '--match', 'a[b'], 'a[b'],
    [['jobs', 'export', '--match', '[9-0]*', '-o', 'x.zip'], '[9-0]*'],
    [['jobs', 'refs', '--from-workspace', '--match', '[!'], '[!'],
  ])('%j', async (argv, pattern) => {
    let r: Awaited<ReturnType<typeof runCli>> | undefined;
    const requests = await requestsDuring(async () => {
      r = await runCli(argv, { env: env(), cwd: dir });
    });
    expect(r!.code).toBe(2);
    expect(r!.stderr).toContain(`'${pattern}' is not a valid pattern`);
    expect(r!.stderr).not.toMatch(/bug/);
    expect(requests).toEqual([]);
  });

  test.each([['etl_*'], ['[abc]_x'], ['[!a-z]*'], ['[]]'], ['[!]]x'], ['a-b[0-9]']])('%s is fine', (g) => {
    expect(globProblem(g)).toBeUndefined();
  });
});

describe('help and --json errors', () => {
  test('dataarts help jobs export shows the help of jobs export', async () => {
    const r = await runCli(['help', 'jobs', 'export']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: dataarts jobs export');
    expect(r.stdout).toContain('--layout');
  });

  test('dataarts help bogus is a usage error', async () => {
    const r = await runCli(['help', 'jobs', 'bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'bogus' is not a command of 'jobs'");
  });

  test('an unknown job name under --json prints the error document on stdout (exit 2)', async () => {
    const r = await runCli(['jobs', 'export', 'no_such_job', '--json', '-o', 'u.zip'], { env: env(), cwd: dir });
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as { error: { message: string; exitCode: number; details: unknown } };
    expect(doc.error.exitCode).toBe(2);
    expect(doc.error.message).toContain('no_such_job');
  });
});

describe('an unknown workspace', () => {
  test('is exit 3 on the first answer: no retry, no smaller page size', async () => {
    let r: Awaited<ReturnType<typeof runCli>> | undefined;
    const requests = await requestsDuring(async () => {
      r = await runCli(['jobs', 'list', '--workspace', 'nope'], { env: env(), cwd: dir });
    });
    expect(r!.code).toBe(3);
    expect(r!.stderr).toContain('does not know this workspace');
    const lists = requests.filter((q) => q.path.endsWith('/jobs'));
    // BATCH and REAL_TIME are asked in parallel; neither is asked again.
    expect(lists.length).toBeLessThanOrEqual(2);
    expect(new Set(lists.map((q) => q.query.jobType)).size).toBe(lists.length);
    expect(lists.every((q) => q.errorCode === 'DLF.0819')).toBe(true);
  });
});
