/**
 * Which restore points a retention policy keeps, as restic's `forget` decides it
 * (restic internal/restic/snapshot_policy.go), and why:
 *
 * - `last N`: the N newest points.
 * - `daily|weekly|monthly N`: walking from the newest point back, the newest point of each of the
 *   N most recent days (weeks, months) that have points. Calendar periods in UTC (a cron host's
 *   local zone would make the same state keep different points on another machine); weeks are ISO
 *   weeks (Monday first), as restic's.
 * - `within D`: every point made within D of the newest point (restic measures from the newest
 *   snapshot, not from now, so a stopped backup does not age its last points away).
 *
 * A point kept by any rule is kept, with every reason that applies. An empty policy keeps
 * everything. What a kept point needs (its chain's full and earlier increments) is chain.ts's job.
 */
import { UsageError } from '../errors.js';
import { parseDuration } from '../export/since.js';

export interface RetentionPolicy {
  last?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  /** In ms. */
  within?: number;
}

/** The flags as typed (`--keep N` is `--keep-last N`). */
export interface RetentionFlags {
  keep?: number;
  keepLast?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepWithin?: string;
}

export interface PointDecision {
  /** Index into the points given (oldest first). */
  index: number;
  keep: boolean;
  /** restic's words: 'last snapshot', 'daily snapshot', …, 'within 7d'. Empty when not kept. */
  reasons: string[];
}

/** The policy the flags ask for, or undefined when none is given (keep everything). */
export function retentionFromFlags(flags: RetentionFlags): RetentionPolicy | undefined {
  if (flags.keep !== undefined && flags.keepLast !== undefined && flags.keep !== flags.keepLast) {
    throw new UsageError('--keep and --keep-last are the same rule; give one of them', { hint: '--keep N is short for --keep-last N.' });
  }
  const policy: RetentionPolicy = {};
  const last = flags.keepLast ?? flags.keep;
  if (last !== undefined) policy.last = last;
  if (flags.keepDaily !== undefined) policy.daily = flags.keepDaily;
  if (flags.keepWeekly !== undefined) policy.weekly = flags.keepWeekly;
  if (flags.keepMonthly !== undefined) policy.monthly = flags.keepMonthly;
  if (flags.keepWithin !== undefined) policy.within = parseDuration(flags.keepWithin, '--keep-within');
  return Object.keys(policy).length === 0 ? undefined : policy;
}

/** The policy in flag words, for messages: "--keep-last 3 --keep-daily 7". */
export function describePolicy(policy: RetentionPolicy, withinText?: string): string {
  const parts: string[] = [];
  if (policy.last !== undefined) parts.push(`--keep-last ${policy.last}`);
  if (policy.daily !== undefined) parts.push(`--keep-daily ${policy.daily}`);
  if (policy.weekly !== undefined) parts.push(`--keep-weekly ${policy.weekly}`);
  if (policy.monthly !== undefined) parts.push(`--keep-monthly ${policy.monthly}`);
  if (policy.within !== undefined) parts.push(`--keep-within ${withinText ?? durationText(policy.within)}`);
  return parts.join(' ');
}

function durationText(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms / 1000}s`;
}

const dayOf = (t: Date) => t.toISOString().slice(0, 10);
const monthOf = (t: Date) => t.toISOString().slice(0, 7);

/** ISO 8601 week of a UTC instant, as `YYYY-Www` (the week's Thursday decides its year). */
export function isoWeekOf(t: Date): string {
  const thursday = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
  thursday.setUTCDate(thursday.getUTCDate() + 4 - (thursday.getUTCDay() || 7));
  const year = thursday.getUTCFullYear();
  const week = Math.ceil(((thursday.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

interface Bucket {
  count: number | undefined;
  reason: string;
  period: (t: Date, index: number) => string;
  last?: string;
  used: number;
}

/**
 * Decide every point. `times` are the points' times, oldest first (ties keep their order); the
 * answer is in the same order.
 */
export function applyRetention(times: Date[], policy: RetentionPolicy | undefined): PointDecision[] {
  if (policy === undefined) return times.map((_, index) => ({ index, keep: true, reasons: ['no policy'] }));
  const buckets: Bucket[] = [
    { count: policy.last, reason: 'last snapshot', period: (_t, index) => String(index), used: 0 },
    { count: policy.daily, reason: 'daily snapshot', period: dayOf, used: 0 },
    { count: policy.weekly, reason: 'weekly snapshot', period: isoWeekOf, used: 0 },
    { count: policy.monthly, reason: 'monthly snapshot', period: monthOf, used: 0 },
  ];
  const newest = times.length === 0 ? 0 : Math.max(...times.map((t) => t.getTime()));
  const decisions: PointDecision[] = times.map((_, index) => ({ index, keep: false, reasons: [] }));
  // Newest first: the first point met in a period is that period's newest.
  for (let i = times.length - 1; i >= 0; i--) {
    const t = times[i]!;
    const d = decisions[i]!;
    for (const b of buckets) {
      if (b.count === undefined || b.used >= b.count) continue;
      const period = b.period(t, i);
      if (period === b.last) continue;
      b.last = period;
      b.used++;
      d.reasons.push(b.reason);
    }
    if (policy.within !== undefined && newest - t.getTime() <= policy.within) d.reasons.push(`within ${durationText(policy.within)}`);
    d.keep = d.reasons.length > 0;
  }
  return decisions;
}
