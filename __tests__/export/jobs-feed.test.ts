/**
 * Listing → batch handoff (issue 11 item 7): batches formed while the list is read must be exactly
 * the batches of the complete sorted list (so the merge writes the same archive), and exports
 * must start before the listing ends.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SortedJobsFeed } from '../../src/export/jobs-feed.js';
import { archiveOrder, planBatches } from '../../src/export/batches.js';
import { compareEntryNames } from '../../src/archive/zip-write.js';
import type { JobSummary, JobType } from '../../src/api/dataarts.js';
import { ServiceError } from '../../src/errors.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { runCli } from '../helpers/cli.js';
import { emulatorEnv } from '../helpers/emulator-env.js';

const job = (name: string, jobType: JobType = 'BATCH'): JobSummary => ({ name, jobType, status: 'STOPPED' });

/** A small PRNG so failures are reproducible. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function drain(feed: SortedJobsFeed): Promise<string[][]> {
  const out: string[][] = [];
  for (let i = 0; ; i++) {
    const b = await feed.get(i);
    if (!b) return out;
    out.push(b);
  }
}

describe('SortedJobsFeed', () => {
  test('random names (prefixes, "-", ".", "_") in two sorted lists, random pages: the batches of the complete sorted list', async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const rnd = prng(seed);
      const alphabet = ['a', 'b', '-', '.', '_', '0'];
      const names = new Set<string>();
      const count = 150 + Math.floor(rnd() * 400);
      while (names.size < count) {
        let n = 'j';
        const len = 1 + Math.floor(rnd() * 5);
        for (let i = 0; i < len; i++) n += alphabet[Math.floor(rnd() * alphabet.length)];
        names.add(n);
      }
      const types: Record<JobType, string[]> = { BATCH: [], REAL_TIME: [] };
      for (const n of names) types[rnd() < 0.7 ? 'BATCH' : 'REAL_TIME'].push(n);
      for (const t of Object.values(types)) t.sort(compareEntryNames);
      const selected = (j: JobSummary) => !j.name.endsWith('0') || seed % 2 === 0;
      const feed = new SortedJobsFeed(selected, ['BATCH', 'REAL_TIME']);
      const cursor: Record<JobType, number> = { BATCH: 0, REAL_TIME: 0 };
      let batchesBeforeEnd = 0;
      while (cursor.BATCH < types.BATCH.length || cursor.REAL_TIME < types.REAL_TIME.length) {
        const t: JobType = cursor.REAL_TIME >= types.REAL_TIME.length || (cursor.BATCH < types.BATCH.length && rnd() < 0.6) ? 'BATCH' : 'REAL_TIME';
        const size = 1 + Math.floor(rnd() * 40);
        const page = types[t].slice(cursor[t], cursor[t] + size);
        cursor[t] += page.length;
        feed.addPage(t, page.map((n) => job(n, t)), types[t].length);
      }
      batchesBeforeEnd = (feed as unknown as { batches: string[][] }).batches.length;
      feed.finish();
      const expected = planBatches(archiveOrder([...names].filter((n) => selected(job(n)))));
      // One string per seed (toEqual on ~500 names × 60 seeds was a quarter of this test's CPU);
      // the detailed comparison only when they differ.
      const batches = await drain(feed);
      if (JSON.stringify(batches) !== JSON.stringify(expected)) expect({ seed, batches }).toEqual({ seed, batches: expected });
      expect(batchesBeforeEnd).toBeLessThanOrEqual(expected.length);
    }
  });

  test('batches are formed before the list is complete when both lists come sorted', () => {
    const feed = new SortedJobsFeed(() => true, ['BATCH', 'REAL_TIME']);
    const all = Array.from({ length: 1000 }, (_, i) => `job_${String(i).padStart(4, '0')}`);
    feed.addPage('BATCH', all.filter((_, i) => i % 2 === 0).slice(0, 200).map((n) => job(n)), 500);
    feed.addPage('REAL_TIME', all.filter((_, i) => i % 2 === 1).slice(0, 200).map((n) => job(n, 'REAL_TIME')), 500);
    expect(feed.streamed).toBe(true);
  });

  test('an unsorted list stops the streaming: nothing is batched before the end, and the end is still right', async () => {
    const feed = new SortedJobsFeed(() => true, ['BATCH']);
    const names = Array.from({ length: 250 }, (_, i) => `job_${String(249 - i).padStart(4, '0')}`);
    feed.addPage('BATCH', names.slice(0, 150).map((n) => job(n)), 250);
    expect(feed.streamed).toBe(false);
    feed.addPage('BATCH', names.slice(150).map((n) => job(n)), 250);
    feed.finish();
    expect(await drain(feed)).toEqual(planBatches(archiveOrder(names)));
  });

  test('a name that sorts before one already batched fails the run (exit 6), it does not write out of order', async () => {
    const feed = new SortedJobsFeed(() => true, ['BATCH']);
    feed.addPage('BATCH', Array.from({ length: 150 }, (_, i) => job(`job_${String(i + 100).padStart(4, '0')}`)), 400);
    expect(await feed.get(0)).toHaveLength(100);
    // The list moved: a later page is sorted in itself but starts before what was batched.
    feed.addPage('BATCH', [job('job_0001'), job('job_0002')], 400);
    await expect(feed.get(1)).rejects.toThrow(ServiceError);
  });
});

describe('jobs export --all overlaps listing and exporting', () => {
  let emu: Emulator;
  let cwd: string;
  beforeAll(async () => {
    // 200 jobs in pages of 10: 22 list calls, the first batch export goes out after about 15 of
    // them, and the paced calls still to come keep the last list call well behind it. (1000 jobs,
    // then 400 in pages of 20, made both exports and the wait longer and proved nothing more: the
    // overlap needs two batches and many list calls, not many jobs.) At the documented pace
    // (rateScale 1): the overlap is what pacing the list calls makes possible.
    emu = await startEmulator({ seedJobs: 200, listPageCap: 10, rateScale: 1, latencyMs: 5 });
    cwd = await fs.mkdtemp(path.join(os.tmpdir(), 'dataarts-overlap-'));
  });
  afterAll(async () => {
    await emu.close();
    await fs.rm(cwd, { recursive: true, force: true });
  });

  test('the first batch export arrives before the last list call, and the archive is byte-identical to the one made from the complete list', async () => {
    const env = emulatorEnv(emu, { DATAARTS_RETRY_THROTTLE_MS: '20' });
    const before = emu.requests.length;
    const streamed = await runCli(['jobs', 'export', '--all', '-o', 'streamed.zip', '--no-progress'], { env, cwd });
    expect(streamed.code).toBe(0);
    const calls = emu.requests.slice(before);
    const lists = calls.filter((r) => r.method === 'GET' && /\/jobs$/.test(r.path)).map((r) => r.time);
    const exports = calls.filter((r) => r.path.endsWith('/jobs/batch-export')).map((r) => r.time);
    expect(Math.min(...exports)).toBeLessThan(Math.max(...lists));

    // Explicit names wait for the complete list: the archive must be the same bytes.
    await fs.writeFile(path.join(cwd, 'names.txt'), [...emu.state.workspace('default').jobs.keys()].join('\n'));
    const whole = await runCli(['jobs', 'export', '--names-from', 'names.txt', '-o', 'whole.zip', '--no-progress'], { env, cwd });
    expect(whole.code).toBe(0);
    const a = await fs.readFile(path.join(cwd, 'streamed.zip'));
    const b = await fs.readFile(path.join(cwd, 'whole.zip'));
    expect(a.equals(b)).toBe(true);
  });
});
