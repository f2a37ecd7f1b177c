/** README, --help and the code agree on defaults (a default said in two places must not drift). */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { DEFAULT_CONCURRENCY } from '../../src/export/batches.js';
import { runCli } from '../helpers/cli.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('defaults', () => {
  test.each([['export'], ['export-workspace']])('jobs %s --concurrency: help, README and code say the same', async (verb) => {
    const help = (await runCli(['jobs', verb, '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toContain(`--concurrency <n> parallel export requests (default ${DEFAULT_CONCURRENCY})`);
    expect(readme).toContain(`| \`--concurrency N\` | export calls in flight (default ${DEFAULT_CONCURRENCY}) |`);
  });

  test('the README documents archive show, completion and exit code 7', () => {
    expect(readme).toContain('### `dataarts archive show ARCHIVE`');
    expect(readme).toContain('### `dataarts completion bash|zsh|fish`');
    expect(readme).toMatch(/^\| 7 \| a local file or directory/m);
  });
});
