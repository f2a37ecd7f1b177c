/** The README's first command: a real dev → prod round trip against the embedded emulator. */
import { describe, expect, test } from '@jest/globals';
import { runCli } from './helpers/cli.js';

describe('quickstart', () => {
  test('exports from dev, checks and imports into prod through the environment map, exit 0', async () => {
    const r = await runCli(['quickstart', '--jobs', '6']);
    expect(r.stderr).not.toContain('Error');
    expect(r.code).toBe(0);
    // Each step echoes the command a user would type, and the import created every job.
    expect(r.stderr).toContain('dataarts jobs export --all');
    expect(r.stderr).toMatch(/jobs import \S+ --env prod .*--dry-run/);
    expect(r.stdout.match(/^job_\d+ +created/gm)).toHaveLength(6);
    expect(r.stderr).toContain("Done: 6 jobs went from workspace 'dev' to 'prod'");
  });
});
