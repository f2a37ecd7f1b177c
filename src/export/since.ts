/**
 * `--since`: an ISO 8601 time (`2026-11-20`, `2026-11-20T06:00:00Z`, with an offset) or a duration
 * before now (`90s`, `30m`, `24h`, `7d`, `2w`). Anything else is a usage error naming the value.
 */
import { UsageError } from '../errors.js';

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The cutoff in epoch ms. A date-only value means midnight UTC; a time without an offset means UTC (inferred). */
export function parseSince(value: string, now: Date, flag = '--since'): number {
  const trimmed = value.trim();
  const duration = /^(\d+)\s*([smhdw])$/i.exec(trimmed);
  if (duration) return now.getTime() - Number(duration[1]) * UNIT_MS[duration[2]!.toLowerCase()]!;
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i.exec(trimmed);
  if (iso) {
    const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = iso;
    const offset = zone.toUpperCase() === 'Z' ? 'Z' : normalizeOffset(zone);
    const ms = frac ? `.${frac.slice(0, 3).padEnd(3, '0')}` : '';
    const text = `${y}-${mo}-${d}T${h}:${mi}:${s}${ms}${offset}`;
    const t = Date.parse(text);
    // Date.parse rolls over impossible dates (2026-02-31): round-trip the calendar fields to refuse them.
    if (!Number.isNaN(t) && validCalendar([y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number])) return t;
  }
  throw new UsageError(`${flag}: cannot read '${value}' as a time`, {
    hint: 'Give an ISO 8601 time (2026-11-20, 2026-11-20T06:00:00Z, 2026-11-20T08:00+02:00) or a duration (90s, 30m, 24h, 7d, 2w).',
  });
}

function normalizeOffset(zone: string): string {
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
  return `${m[1]}${m[2]}:${m[3] ?? '00'}`;
}

/** Whether the fields name a real calendar instant (no 31 February, no 24:00). */
function validCalendar(fields: [y: number, mo: number, d: number, h: number, mi: number, s: number]): boolean {
  const [y, mo, d, h, mi, s] = fields;
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59 || d < 1) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

/** A duration flag such as `--full-every 7d` (s, m, h, d, w) in ms; a usage error naming the flag otherwise. */
export function parseDuration(value: string, flag: string): number {
  const m = /^(\d+)\s*([smhdw])$/i.exec(value.trim());
  if (!m || Number(m[1]) <= 0) {
    throw new UsageError(`${flag}: cannot read '${value}' as a duration`, { hint: 'Give a positive number and a unit: 90s, 30m, 24h, 7d, 2w.' });
  }
  return Number(m[1]) * UNIT_MS[m[2]!.toLowerCase()]!;
}

/**
 * A time that must not lie ahead (`--since`, `--at`): a future one would silently select nothing,
 * so it is a usage error naming the value (exit 2).
 */
export function parsePastTime(value: string, now: Date, flag: string): number {
  const t = parseSince(value, now, flag);
  if (t > now.getTime()) {
    throw new UsageError(`${flag} ${value} is in the future (now is ${now.toISOString()})`, { hint: 'Give a past time or a duration ago such as 24h.' });
  }
  return t;
}
