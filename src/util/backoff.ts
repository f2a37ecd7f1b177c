/** Abortable waiting and the backoff schedule used while polling (stop-running, the system task). */
import { abortableDelay } from './abort.js';

/** Resolve after `ms`, or reject with the signal's reason (the InterruptedError) when it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  // One abort listener per run signal however many wait at once (src/util/abort.ts).
  return abortableDelay(ms, signal);
}

export interface Backoff {
  /** The next delay in ms; grows by `factor` up to `maxMs`. */
  next(): number;
}

/** 0.5 s → 5 s by ×1.5: quick for the usual short import, gentle on the rate limit for long ones. */
export function backoff(initialMs = 500, maxMs = 5000, factor = 1.5): Backoff {
  let current = initialMs;
  return {
    next() {
      const delay = current;
      current = Math.min(maxMs, current * factor);
      return delay;
    },
  };
}
