/** The backoff schedule used while polling (stop-running, the system task, the restart). */

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
