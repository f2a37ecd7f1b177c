/**
 * The retention policy as restic's `forget` decides it: each rule on its own, combined rules
 * (a point kept by any rule is kept, with every reason), UTC calendar periods, ISO weeks, and
 * --keep-within measured from the newest point. Then what a kept point needs stays (pruneRuns).
 */
import { describe, expect, test } from '@jest/globals';
import { applyRetention, isoWeekOf, retentionFromFlags } from '../../src/backups/retention.js';
import { pruneRuns } from '../../src/backups/chain.js';
import type { RunRecord } from '../../src/backups/state-file.js';
import { UsageError } from '../../src/errors.js';

const at = (iso: string) => new Date(iso);
/** Which of the times (oldest first) are kept. */
const kept = (times: string[], policy: Parameters<typeof applyRetention>[1]) =>
  applyRetention(times.map(at), policy).filter((d) => d.keep).map((d) => times[d.index]);

// Two points a day for 10 days, 2026-11-01 … 2026-11-10, at 01:00 and 13:00 UTC.
const twiceDaily = Array.from({ length: 10 }, (_, d) => [`2026-11-${String(d + 1).padStart(2, '0')}T01:00:00Z`, `2026-11-${String(d + 1).padStart(2, '0')}T13:00:00Z`]).flat();

describe('retention policy (restic semantics)', () => {
  test('no policy keeps everything; --keep-last N keeps the N newest', () => {
    expect(kept(twiceDaily, undefined)).toEqual(twiceDaily);
    expect(kept(twiceDaily, { last: 3 })).toEqual(twiceDaily.slice(-3));
  });

  test('--keep-daily N: the newest point of each of the N most recent days that have points', () => {
    expect(kept(twiceDaily, { daily: 3 })).toEqual(['2026-11-08T13:00:00Z', '2026-11-09T13:00:00Z', '2026-11-10T13:00:00Z']);
    // Days without points do not count: a gap does not shorten what is kept.
    const gappy = ['2026-11-01T05:00:00Z', '2026-11-05T05:00:00Z', '2026-11-05T06:00:00Z', '2026-11-09T05:00:00Z'];
    expect(kept(gappy, { daily: 3 })).toEqual(['2026-11-01T05:00:00Z', '2026-11-05T06:00:00Z', '2026-11-09T05:00:00Z']);
  });

  test('days are UTC days: 23:30 and 00:30 UTC are two days, whatever the local zone', () => {
    expect(kept(['2026-11-01T23:30:00Z', '2026-11-02T00:30:00Z'], { daily: 2 })).toHaveLength(2);
    expect(kept(['2026-11-01T23:30:00+02:00', '2026-11-01T23:50:00+02:00'], { daily: 5 })).toEqual(['2026-11-01T23:50:00+02:00']);
  });

  test('--keep-weekly: ISO weeks (Monday first; the week of 1 January may belong to the year before)', () => {
    expect(isoWeekOf(at('2026-11-30T00:00:00Z'))).toBe('2026-W49'); // a Monday
    expect(isoWeekOf(at('2026-11-29T23:59:59Z'))).toBe('2026-W48'); // the Sunday before
    expect(isoWeekOf(at('2027-01-01T12:00:00Z'))).toBe('2026-W53'); // a Friday in 2026's last ISO week
    expect(isoWeekOf(at('2024-12-30T12:00:00Z'))).toBe('2025-W01');
    // 2026-11-01 is a Sunday (week 44); 02–08 week 45; 09–10 week 46.
    expect(kept(twiceDaily, { weekly: 2 })).toEqual(['2026-11-08T13:00:00Z', '2026-11-10T13:00:00Z']);
    expect(kept(twiceDaily, { weekly: 5 })).toEqual(['2026-11-01T13:00:00Z', '2026-11-08T13:00:00Z', '2026-11-10T13:00:00Z']);
  });

  test('--keep-monthly: the newest point of each month', () => {
    const times = ['2026-09-30T23:00:00Z', '2026-10-01T01:00:00Z', '2026-10-31T01:00:00Z', '2026-11-02T01:00:00Z'];
    expect(kept(times, { monthly: 2 })).toEqual(['2026-10-31T01:00:00Z', '2026-11-02T01:00:00Z']);
    expect(kept(times, { monthly: 12 })).toEqual(['2026-09-30T23:00:00Z', '2026-10-31T01:00:00Z', '2026-11-02T01:00:00Z']);
  });

  test('--keep-within D: every point within D of the newest point (not of now), the bound included', () => {
    expect(kept(twiceDaily, { within: 36 * 3_600_000 })).toEqual(twiceDaily.slice(-4));
  });

  test('combined: kept by any rule, with every reason that applies', () => {
    const decisions = applyRetention(twiceDaily.map(at), { last: 1, daily: 2, weekly: 2 });
    const byTime = Object.fromEntries(decisions.filter((d) => d.keep).map((d) => [twiceDaily[d.index], d.reasons]));
    expect(byTime).toEqual({
      '2026-11-10T13:00:00Z': ['last snapshot', 'daily snapshot', 'weekly snapshot'],
      '2026-11-09T13:00:00Z': ['daily snapshot'],
      '2026-11-08T13:00:00Z': ['weekly snapshot'],
    });
  });

  test('flags: --keep is --keep-last; both different is a usage error; a bad --keep-within names the flag', () => {
    expect(retentionFromFlags({ keep: 3 })).toEqual({ last: 3 });
    expect(retentionFromFlags({})).toBeUndefined();
    expect(() => retentionFromFlags({ keep: 3, keepLast: 4 })).toThrow(UsageError);
    expect(() => retentionFromFlags({ keepWithin: 'soon' })).toThrow(/--keep-within/);
    expect(retentionFromFlags({ keepWithin: '7d', keepDaily: 7 })).toEqual({ within: 7 * 86_400_000, daily: 7 });
  });
});

describe('retention over chains', () => {
  const run = (iso: string, full: boolean): RunRecord => ({
    startedAt: iso, finishedAt: iso, cutoff: full ? 'full' : iso, archive: { path: `${iso}.zip`, sha256: 'a'.repeat(64), layout: 'zip', jobs: 1 },
  });
  // Chain 1: full 1 Nov + increments 2–3 Nov; chain 2: full 4 Nov + increments 5–6 Nov.
  const runs = ['01', '02', '03', '04', '05', '06'].map((d, i) => run(`2026-11-${d}T01:00:00Z`, i % 3 === 0));

  test('a kept point keeps its chain (full and earlier increments) as non-points; runs no kept point needs are dropped', () => {
    const pruned = pruneRuns(runs, { last: 1, monthly: 1, daily: 0 });
    // Newest (6 Nov) is kept by both rules; chain 2's 4 and 5 Nov stay for it, chain 1 goes.
    expect(pruned.kept.map((r) => [r.startedAt.slice(8, 10), r.point !== false])).toEqual([['04', false], ['05', false], ['06', true]]);
    expect(pruned.dropped.map((r) => r.startedAt.slice(8, 10))).toEqual(['01', '02', '03']);
    const pruned2 = pruneRuns(runs, { within: 2 * 86_400_000 + 1, last: 1 });
    expect(pruned2.kept.map((r) => r.startedAt.slice(8, 10))).toEqual(['04', '05', '06']);
    // Keeping 3 Nov (an increment) keeps all of chain 1.
    const pruned3 = pruneRuns(runs, { daily: 4 });
    expect(pruned3.dropped).toEqual([]);
    expect(pruned3.decisions.map((d) => d.keep)).toEqual([false, false, true, true, true, true]);
  });
});
