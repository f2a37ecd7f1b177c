import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCli } from './helpers/cli.js';
import { VERSION } from '../src/version.js';

describe('cli basics', () => {
  test('--version prints the package version on stdout and exits 0', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
    expect(VERSION).toBe(pkg.version);
  });

  test('as its own process (bin, V8 tuned for one command): the version and nothing else, on either stream', () => {
    // An unknown V8 flag would make V8 print "unrecognized flag" (src/cli/process-tuning.ts).
    const bin = fileURLToPath(new URL('../bin/dataarts.js', import.meta.url));
    const r = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  test('--help exits 0 and lists the jobs command', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('jobs');
  });

  test('an unknown flag is a usage error (exit 2) reported on stderr', async () => {
    const r = await runCli(['jobs', 'list', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("unknown option '--bogus'");
  });

  test('a bad integer flag is a usage error naming the flag', async () => {
    const r = await runCli(['jobs', 'export', '--all', '--concurrency', 'many']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--concurrency');
  });
});
