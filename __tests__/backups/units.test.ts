/**
 * Pure parts of the backups: the state file stays small (the bound a year of 10,000 jobs meets,
 * checked on 1,000 jobs × 60 nights; the year itself is bench/backups-state.js),
 * --keep keeps every archive a kept restore point needs, the state round-trips, and a failed
 * swap puts the old output back (or says where it is).
 */
import { describe, expect, test } from '@jest/globals';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JobSummary } from '../../src/api/dataarts.js';
import { planNight, recordRun, selectJobs } from '../../src/backups/record-run.js';
import { filesNeededBy, pointAt, restorePoints } from '../../src/backups/chain.js';
import { jobListAt, readState, serializeState, type ExportState } from '../../src/backups/state-file.js';
import { commitPath } from '../../src/util/atomic.js';
import { Repository } from '../../src/backups/repository.js';
import { CleanupRegistry } from '../../src/util/cleanup.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T01:00:00Z');

function job(name: string, t: number): JobSummary {
  return { name, jobType: 'BATCH', status: 'NORMAL', lastUpdateTime: t };
}

/** Simulate `nights` nightly runs; each night `changes` jobs change, one is added and one deleted. */
function simulate(jobs: number, nights: number, options: { keep?: number; fullEveryDays?: number; changes?: number } = {}): ExportState {
  const workspace = new Map<string, number>();
  for (let i = 0; i < jobs; i++) workspace.set(`ods_finance_daily_load_${String(i).padStart(5, '0')}`, T0 - 30 * DAY + i);
  let state: ExportState | undefined;
  let nextId = jobs;
  for (let n = 0; n < nights; n++) {
    const now = new Date(T0 + n * DAY);
    if (n > 0) {
      const names = [...workspace.keys()];
      for (let c = 0; c < (options.changes ?? 20); c++) workspace.set(names[(n * 37 + c * 101) % names.length]!, now.getTime() - 3_600_000 + c);
      workspace.delete(names[(n * 53) % names.length]!);
      workspace.set(`ods_finance_daily_load_${String(nextId++).padStart(5, '0')}`, now.getTime() - 1_000);
    }
    const listed = [...workspace].map(([name, t]) => job(name, t));
    const plan = planNight(state, { full: false, fullEveryMs: (options.fullEveryDays ?? 7) * DAY, now });
    const selected = selectJobs(listed, plan);
    const archive = { path: `/b/night-${n}.zip`, sha256: 'f'.repeat(64), layout: 'zip' as const, jobs: selected.length, bytes: 1000 + n };
    state = recordRun(state, { startedAt: now, finishedAt: new Date(now.getTime() + 60_000), plan, listed, archive }, { stateFile: '/b/state.json', workspace: 'default', retention: options.keep === undefined ? undefined : { last: options.keep } }).state;
    // The state always knows the workspace's exact job list at this run.
    if (n % 61 === 0 || n === nights - 1) expect(jobListAt(state.runs, state.runs.length - 1)).toEqual(workspace);
  }
  return state!;
}

describe('state file', () => {
  // Bytes the state may take per job listed and per night kept: scaled to the README's figure
  // (10,000 jobs, 365 nights) this bound is under 1 MB (48 × 10,000 + 1,400 × 365 = 991 KB). The
  // year-long run itself is `bench/backups-state.js` (13 s: too long for the suite).
  const stateBound = (jobs: number, nights: number) => 48 * jobs + 1_400 * nights;

  test('1,000 jobs and 60 nightly runs (no --keep: every night a restore point) stay within the bound that makes a year of 10,000 jobs under 1 MB', () => {
    const state = simulate(1_000, 60, { changes: 20 });
    expect(restorePoints(state.runs)).toHaveLength(60);
    expect(Buffer.byteLength(serializeState(state))).toBeLessThan(stateBound(1_000, 60));
  });

  test('--keep 14 with weekly chains: only what the 14 points need stays, and it is smaller still', () => {
    const state = simulate(1_000, 30, { keep: 14 });
    expect(restorePoints(state.runs)).toHaveLength(14);
    // The oldest kept point's chain starts at the first run stored.
    const oldest = restorePoints(state.runs)[0]!;
    expect(filesNeededBy(state.runs, oldest)[0]!.run).toBe(0);
    expect(state.runs[0]!.cutoff).toBe('full');
    expect(state.runs.length).toBeLessThanOrEqual(14 + 6);
    expect(Buffer.byteLength(serializeState(state))).toBeLessThan(Math.min(stateBound(1_000, 20), Buffer.byteLength(serializeState(simulate(1_000, 30)))));
  });

  test('--keep 2 over 4 nights in one chain keeps the full archive (the cron that lost it)', () => {
    const state = simulate(250, 4, { keep: 2 });
    expect(state.runs).toHaveLength(4);
    expect(state.runs.map((r) => r.point !== false)).toEqual([false, false, true, true]);
    expect(filesNeededBy(state.runs, 3).map((f) => f.path)).toEqual(['night-0.zip', 'night-1.zip', 'night-2.zip', 'night-3.zip']);
  });

  test('pointAt: the newest point at or before a time', () => {
    const state = simulate(10, 5);
    expect(pointAt(state.runs, undefined)).toBe(4);
    expect(pointAt(state.runs, T0 + 2 * DAY + 5)).toBe(2);
    expect(pointAt(state.runs, T0 - 1)).toBeUndefined();
  });

  test('the written state reads back the same', async () => {
    const state = simulate(50, 10, { keep: 3 });
    const d = await fs.mkdtemp(path.join(os.tmpdir(), 'dataarts-state-'));
    try {
      await fs.writeFile(path.join(d, 's.json'), serializeState(state));
      expect(await readState(new Repository({ cleanup: new CleanupRegistry() }), path.join(d, 's.json'))).toEqual(state);
    } finally {
      await fs.rm(d, { recursive: true, force: true });
    }
  });
});

describe('commitPath swap', () => {
  test('a failed swap puts the old output back; if that fails too, the error says where the old output is', async () => {
    const d = await fs.mkdtemp(path.join(os.tmpdir(), 'dataarts-swap-'));
    try {
      const target = path.join(d, 'tree');
      await fs.mkdir(path.join(target, 'jobs'), { recursive: true });
      await fs.writeFile(path.join(target, 'jobs', 'old.job'), 'old');
      const staged = path.join(d, 'staged');
      await fs.mkdir(staged);
      await fs.writeFile(path.join(staged, 'new.job'), 'new');
      const failing = async () => {
        throw Object.assign(new Error('EIO'), { code: 'EIO' });
      };
      await expect(commitPath(staged, target, { force: true, swap: failing })).rejects.toThrow(/input\/output error/);
      expect(await fs.readFile(path.join(target, 'jobs', 'old.job'), 'utf8')).toBe('old');

      // The swap half-happens (something now sits at the target), so the old one cannot go back.
      const blocking = async (_from: string, to: string) => {
        await fs.mkdir(to);
        await fs.writeFile(path.join(to, 'half'), 'x');
        throw Object.assign(new Error('EIO'), { code: 'EIO' });
      };
      const err = (await commitPath(staged, target, { force: true, swap: blocking }).catch((e: unknown) => e)) as { message: string; hint?: string };
      const aside = /kept at (\S+);/.exec(err.hint ?? '')?.[1];
      expect(aside).toBeDefined();
      expect(await fs.readFile(path.join(aside!, 'jobs', 'old.job'), 'utf8')).toBe('old');
      expect(existsSync(staged)).toBe(true);
    } finally {
      await fs.rm(d, { recursive: true, force: true });
    }
  });

});
