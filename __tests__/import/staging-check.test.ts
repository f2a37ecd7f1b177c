/**
 * The last check before the import starts: the service's own reading of the staged archive
 * (check-file) must list exactly the planned jobs, or the import is refused (exit 4) and the
 * staged object removed. The run is reduced to what the step uses.
 */
import { describe, expect, test } from '@jest/globals';
import { checkStagedReading } from '../../src/import/staging-check.js';
import type { ImportRun } from '../../src/import/run.js';
import type { PreparedPart } from '../../src/import/prepare.js';
import type { StagedObject } from '../../src/import/staging.js';

function fixture(seen: string[]) {
  let removed = 0;
  const run = { session: { dataarts: { checkFile: async () => ({ jobs: seen.map((name) => ({ name })), scripts: [] }) } } } as unknown as ImportRun;
  const staged = { path: 'obs://b/k.zip', remove: async () => ((removed += 1), true) } as unknown as StagedObject;
  const part = { jobs: ['a', 'b'] } as unknown as PreparedPart;
  return { run, staged, part, removed: () => removed };
}

describe('check-file before the import', () => {
  test('the same jobs: goes on, the staged object stays', async () => {
    const f = fixture(['b', 'a']);
    await checkStagedReading(f.run, f.staged, f.part);
    expect(f.removed()).toBe(0);
  });

  test('a job the service does not see and one it sees unplanned: exit 4 naming both, staged object removed', async () => {
    const f = fixture(['a', 'z']);
    const err = (await checkStagedReading(f.run, f.staged, f.part).catch((e: unknown) => e)) as { exitCode: number; message: string };
    expect(err.exitCode).toBe(4);
    expect(err.message).toContain('does not see b');
    expect(err.message).toContain('the plan does not have: z');
    expect(f.removed()).toBe(1);
  });
});
