/** Per-user, per-API request limits over a sliding one-second window (reference §0). */

/** Requests per second per user for each API (reference §0 table). */
export const API_LIMITS: Record<string, number> = {
  export: 10,
  'batch-export': 10,
  'check-file': 10,
  import: 10,
  'system-task': 10,
  show: 10,
  list: 30,
  status: 30,
  start: 30,
  stop: 30,
  create: 30,
  update: 30,
  delete: 30,
  'run-immediate': 30,
  scripts: 30,
  resources: 10,
  // (inferred) not in the reference's table
  connections: 30,
};

export class RateLimiter {
  private readonly windows = new Map<string, number[]>();

  /** `scale` multiplies every limit (the emulator's `rateScale`); the 429 still names the real one. */
  constructor(private readonly scale = 1) {}

  /** Record a request; returns the limit it exceeded, or undefined when allowed. */
  admit(user: string, api: string, now: number): number | undefined {
    const documented = API_LIMITS[api] ?? 10;
    const limit = Math.max(1, Math.floor(documented * this.scale));
    const key = `${user}\u0000${api}`;
    const times = this.windows.get(key) ?? [];
    let drop = 0;
    while (drop < times.length && times[drop]! <= now - 1000) drop++;
    if (drop > 0) times.splice(0, drop);
    if (times.length >= limit) {
      this.windows.set(key, times);
      return documented;
    }
    times.push(now);
    this.windows.set(key, times);
    return undefined;
  }
}
