import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
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
