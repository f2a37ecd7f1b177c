/** `--timeout SECONDS` takes whole or fractional seconds on every command that has it; anything else is a usage error (exit 2) before any request. */
import { describe, expect, test } from '@jest/globals';
import { runCli } from '../helpers/cli.js';

describe('--timeout', () => {
  test.each([['0'], ['-1'], ['abc'], ['1e3'], ['.']])('%s is refused naming the flag', async (value) => {
    const r = await runCli(['jobs', 'task', '0123456789abcdef', '--wait', '--timeout', value]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--timeout must be a positive number of seconds, got '${value}'`);
  });

  test.each([
    [['jobs', 'import', 'a.zip']],
    [['jobs', 'undo', 'journal.json']],
    [['jobs', 'start', 'a']],
    [['jobs', 'stop', 'a']],
  ])('%j reads it the same way (one parser: fractions allowed, the same refusal)', async (command) => {
    const r = await runCli([...command, '--timeout', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--timeout must be a positive number of seconds, got 'x'");
  });
});
