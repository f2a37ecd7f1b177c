import { describe, expect, test } from '@jest/globals';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { checkJobParamsAgainstArchive, parseJobParams, parseParams } from '../../src/import/params.js';
import { prepareParts, splitIntoParts } from '../../src/import/prepare.js';
import { rewriteEntries, type PackSource } from '../../src/rewrite/entries.js';
import { subtaskJobName } from '../../src/import/task.js';
import { taskJobOutcomes, untoldOutcome } from '../../src/import/outcomes.js';
import { stagingKey } from '../../src/import/staging.js';
import { lockProblemOf } from '../../src/import/locks.js';
import { lockJournal } from '../../src/import/journal-lock.js';
import { spawnSync } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { readZipEntries } from '../../src/archive/zip-read.js';
import { IMPORT_READ_LIMITS } from '../../src/import/limits.js';
import { importSubtaskName, IMPORT_SUBTASK_MESSAGES } from '../../src/api/service-inferred.js';

describe('import flags', () => {
  test('--param and --job-param parse, group per job, and refuse bad forms', () => {
    expect(parseParams([])).toBeUndefined();
    expect(parseParams(['a=1', 'b=x=y'])).toEqual({ a: '1', b: 'x=y' });
    expect(() => parseParams(['novalue'])).toThrow(/KEY=VALUE/);
    expect(() => parseParams(['=1'])).toThrow(/KEY=VALUE/);
    expect(() => parseParams(['bad key=1'])).toThrow(/parameter name/);
    expect(parseJobParams(['j1:a=1', 'j2:b=2', 'j1:c=3'])).toEqual([
      { name: 'j1', params: { a: '1', c: '3' } },
      { name: 'j2', params: { b: '2' } },
    ]);
    expect(() => parseJobParams(['j1a=1'])).toThrow(/JOB:KEY=VALUE/);
    expect(() => checkJobParamsAgainstArchive([{ name: 'ghost', params: {} }], ['j1'])).toThrow(/ghost/);
  });

  test('staging keys are unique per run and numbered per part', () => {
    expect(stagingKey({ bucket: 'b', prefix: 'stage/' }, '20260101T000000Z-abcd', undefined)).toBe('stage/dataarts-import-20260101T000000Z-abcd.zip');
    expect(stagingKey({ bucket: 'b', prefix: '' }, 'R', { index: 1, count: 3 })).toBe('dataarts-import-R-part2.zip');
    expect(stagingKey({ bucket: 'b', prefix: 'x' }, 'R', { index: 0, count: 1 })).toBe('x/dataarts-import-R.zip');
  });
});

describe('results and locks', () => {
  test('subtasks map to jobs by name, with the service message deciding the outcome', () => {
    expect(subtaskJobName(importSubtaskName('a.b-c'))).toBe('a.b-c');
    const task = {
        status: 'FAILED',
        subtasks: [
          { name: importSubtaskName('new'), status: 'SUCCESSFUL', message: IMPORT_SUBTASK_MESSAGES.created('new') },
          { name: importSubtaskName('old'), status: 'SUCCESSFUL', message: IMPORT_SUBTASK_MESSAGES.skipped('old') },
          { name: importSubtaskName('locked'), status: 'FAILED', message: IMPORT_SUBTASK_MESSAGES.lockedByOther('job', 'locked', 'bob') },
        ],
      };
    const planned = [
      { name: 'new', action: 'create' as const },
      { name: 'old', action: 'create' as const },
      { name: 'locked', action: 'overwrite' as const },
      { name: 'missing', action: 'create' as const },
    ];
    const outcomes = taskJobOutcomes(task, planned);
    expect(outcomes.map((o) => [o.name, o.result])).toEqual([
      ['new', 'created'],
      ['old', 'skipped'],
      ['locked', 'failed'],
      // No subtask: the task does not tell; the read-back check decides, else the task's status.
      ['missing', 'unknown'],
    ]);
    expect(untoldOutcome(task, planned[3]!).result).toBe('failed');
    expect(outcomes[2]!.message).toContain('bob');
  });

  test('lock fields: only another user under hard lock, or locked tags, block', () => {
    expect(lockProblemOf(undefined)).toBeUndefined();
    expect(lockProblemOf({ lockedBy: 'bob', lockedByCurrentUser: false, hardLockPolicy: false })).toBeUndefined();
    expect(lockProblemOf({ lockedBy: 'me', lockedByCurrentUser: true, hardLockPolicy: true })).toBeUndefined();
    expect(lockProblemOf({ lockedBy: 'bob', lockedByCurrentUser: false, hardLockPolicy: true })).toMatch(/bob/);
    expect(lockProblemOf({ lockedTags: ['gold'] })).toMatch(/gold/);
  });
});

describe('splitting', () => {
  const job = (name: string, scripts: string[]) => Buffer.from(JSON.stringify({ name, scripts }));
  function source(jobCount: number, scriptBytes: number, shared: boolean): PackSource {
    const entries: PackSource['entries'] = [];
    const jobs: PackSource['jobs'] = [];
    if (shared) entries.push({ name: 'scripts/common.script', data: randomBytes(scriptBytes) });
    for (let i = 0; i < jobCount; i++) {
      const name = `job${String(i).padStart(3, '0')}`;
      entries.push({ name: `jobs/${name}.job`, data: job(name, [`s${i}`]) });
      entries.push({ name: `scripts/s${i}.script`, data: randomBytes(scriptBytes) });
      jobs.push({ name, entry: `jobs/${name}.job`, companions: [`scripts/s${i}.script`, ...(shared ? ['scripts/common.script'] : [])] });
    }
    return { jobs, entries };
  }

  test('parts fit the limits exactly as written, every job travels with its companions, shared ones go in each part', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dataarts-split-'));
    try {
      const src = source(12, 30_000, true);
      const limits = { maxZipBytes: 100_000, maxUnpackedBytes: 1_000_000 };
      const prepared = await prepareParts(src, {}, dir, limits);
      expect(prepared.oversize).toEqual([]);
      expect(prepared.parts.length).toBeGreaterThan(1);
      const seen = new Set<string>();
      for (const part of prepared.parts) {
        const size = (await stat(part.file)).size;
        expect(size).toBe(part.zipBytes);
        expect(size).toBeLessThanOrEqual(limits.maxZipBytes);
        const names = (await readZipEntries(part.file, IMPORT_READ_LIMITS)).map((e) => e.name);
        expect(names).toContain('scripts/common.script');
        for (const j of part.jobs) {
          seen.add(j);
          expect(names).toEqual(expect.arrayContaining([`jobs/${j}.job`, ...src.jobs.find((x) => x.name === j)!.companions]));
        }
      }
      expect([...seen].sort()).toEqual(src.jobs.map((j) => j.name));
      // The estimate used to pack is the writer's exact size (so the first fit is tight, not lucky).
      const { data } = rewriteEntries(src, {});
      const split = splitIntoParts(src, data, limits);
      expect(split.parts.length).toBe(prepared.parts.length);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a job too big alone is named, and nothing is written for it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dataarts-split-'));
    try {
      const src = source(3, 1000, false);
      src.entries.find((e) => e.name === 'scripts/s1.script')!.data = randomBytes(50_000);
      const prepared = await prepareParts(src, {}, dir, { maxZipBytes: 20_000, maxUnpackedBytes: 1_000_000 });
      expect(prepared.parts).toEqual([]);
      expect(prepared.oversize.map((r) => r.subject)).toEqual(['job001']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the release journal lock', () => {
  test('three runs locking one journal at once, beside a stale entry: exactly one holds it, every time; the stale entry is removed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dataarts-journal-lock-'));
    try {
      const journal = join(dir, 'release.json');
      const gone = spawnSync('true').pid!;
      const options = { now: () => new Date(), warn: () => {} };
      // Staggered starts vary how the three interleave: the second and the third start 0, 1 or
      // 2 ms after the first, each of the 9 combinations in every 9 rounds.
      for (let round = 0; round < 36; round++) {
        await writeFile(`${journal}.lock.killed`, JSON.stringify({ pid: gone, host: hostname(), since: '2026-12-01T00:00:00.000Z', held: true }));
        const late = (ms: number) => new Promise((r) => setTimeout(r, ms)).then(() => lockJournal(journal, options));
        const results = await Promise.allSettled([late(0), late(round % 3), late(Math.floor(round / 3) % 3)]);
        const held = results.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof lockJournal>>> => r.status === 'fulfilled');
        expect(held).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(String(r.reason)).toMatch(/in use by another run/);
        await held[0]!.value.release();
        expect(await readdir(dir)).toEqual([]);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
