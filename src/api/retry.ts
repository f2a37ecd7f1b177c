/** When a failed attempt may be repeated, and how long to wait first. */
import type { RetryPolicy } from '../config/types.js';

/** Statuses worth another attempt of a safe call: throttling and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** `Retry-After` as milliseconds (delta seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A Retry-After beyond this is not waited for in full (a CLI run should not sleep for hours). */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Delay before attempt `attempt + 1` (attempt counts from 1): exponential backoff with full jitter,
 * capped at maxDelayMs. A server's Retry-After wins (it knows best); a 429 without one waits at
 * least throttleFloorMs, since the gateway's window is one second and the reference says 2-5 s.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, opts: { retryAfterMs?: number; throttled?: boolean; random?: () => number } = {}): number {
  if (opts.retryAfterMs !== undefined) return Math.min(opts.retryAfterMs, MAX_RETRY_AFTER_MS);
  const random = opts.random ?? Math.random;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  if (opts.throttled) return Math.max(policy.throttleFloorMs, jittered) + Math.floor(random() * policy.throttleFloorMs * 0.5);
  return jittered;
}
