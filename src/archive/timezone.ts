/**
 * The `--expression-time-zone` rule (export and import): which values are accepted, and rewriting
 * exactly the cron `expressionTimeZone` fields of a job file and nothing else.
 */
import { UsageError } from '../errors.js';
import { editJsonStrings, type JsonPath } from './json-edit.js';

const ACCEPTED_FORMS = 'an IANA time zone name (e.g. Asia/Shanghai, Europe/Berlin), UTC, GMT, or GMT±H[:MM] (e.g. GMT+8, GMT-03:30)';
const OFFSET = /^(?:GMT|UTC)([+-])(\d{1,2})(?::?(\d{2}))?$/i;
const IANA_SHAPE = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/**
 * Normalises a time zone for expressionTimeZone, or throws UsageError (exit 2) naming the value.
 *
 * Chosen spelling (inferred; the service documents only the example `GMT+8`): offsets are written
 * as the service's own example, `GMT+8`, `GMT-3:30` (hours without a leading zero, minutes only
 * when non-zero), `UTC±…` is written `GMT±…`, a zero offset becomes `GMT`, and `UTC` and `GMT` alone stay as
 * they are. Offsets range over −12:00…+14:00 with minutes
 * 00/15/30/45. IANA names are validated by Intl and written in their canonical letter case.
 */
export function normalizeTimeZone(tz: string): string {
  const value = tz.trim();
  const bad = (why: string): never => {
    throw new UsageError(`invalid time zone ${JSON.stringify(tz)}: ${why}`, { hint: `use ${ACCEPTED_FORMS}` });
  };
  if (value === '') bad('empty');
  const upper = value.toUpperCase();
  if (upper === 'UTC') return 'UTC';
  if (upper === 'GMT') return 'GMT';
  const offset = OFFSET.exec(value);
  if (offset !== null) {
    const sign = offset[1]!;
    const hours = Number(offset[2]);
    const minutes = offset[3] === undefined ? 0 : Number(offset[3]);
    if (![0, 15, 30, 45].includes(minutes)) bad('offset minutes must be 00, 15, 30 or 45');
    const total = (sign === '-' ? -1 : 1) * (hours * 60 + minutes);
    if (total < -12 * 60 || total > 14 * 60) bad('offset must be between GMT-12:00 and GMT+14:00');
    if (total === 0) return 'GMT';
    return `GMT${sign}${hours}${minutes === 0 ? '' : `:${String(minutes).padStart(2, '0')}`}`;
  }
  if (!IANA_SHAPE.test(value)) bad('not an IANA name or a GMT offset');
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return bad('unknown time zone');
  }
  // Intl may map a link to another name (Asia/Calcutta → Asia/Kolkata); keep the user's name and
  // only take Intl's letter case.
  return resolved.toLowerCase() === value.toLowerCase() ? resolved : value;
}

/** Is this the path of a cron expressionTimeZone that the rewrite owns? */
function isExpressionTimeZonePath(path: JsonPath): boolean {
  if (path.length === 3) return path[0] === 'schedule' && path[1] === 'cron' && path[2] === 'expressionTimeZone';
  return path.length === 4 && path[0] === 'nodes' && typeof path[1] === 'number' && path[2] === 'cronTrigger' && path[3] === 'expressionTimeZone';
}

/**
 * Sets `schedule.cron.expressionTimeZone` and every `nodes[i].cronTrigger.expressionTimeZone` to
 * tz, in place in the text (nothing else changes, not even whitespace). Fields that are absent or
 * not strings are left alone: the rewrite never adds a field (inferred; an absent field means "the
 * region's zone", and adding one would change what the job means beyond the rewrite). `changed`
 * counts the literals whose value actually changed. Throws UsageError for a bad tz and
 * SyntaxError for text that is not JSON.
 *
 * For many files use expressionTimeZoneRewriter(tz) once: validating an IANA name through Intl
 * costs ~50 µs, more than rewriting a typical job.
 */
export function rewriteExpressionTimeZone(jobText: string, tz: string): { text: string; changed: number } {
  return expressionTimeZoneRewriter(tz)(jobText);
}

/** Validates and normalises tz once; the returned function rewrites one job text (see above). */
export function expressionTimeZoneRewriter(tz: string): (jobText: string) => { text: string; changed: number } {
  const zone = normalizeTimeZone(tz);
  return (jobText) => {
    // Fast path: no such field (a \u escape could spell the key, so those take the slow path).
    if (!jobText.includes('expressionTimeZone') && !jobText.includes('\\u')) {
      editJsonStrings(jobText, () => undefined); // still refuse invalid JSON, as the slow path does
      return { text: jobText, changed: 0 };
    }
    const result = editJsonStrings(jobText, (path) => (isExpressionTimeZonePath(path) ? zone : undefined));
    return { text: result.text, changed: result.changes.length };
  };
}
