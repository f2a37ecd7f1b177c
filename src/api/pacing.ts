/**
 * Client-side pacing: each API class is held to the reference's per-user rate limit (§0), shared by
 * every concurrent request of the process, plus an overall cap on requests in flight. A bulk run
 * then spaces its calls out instead of being throttled (429) by the gateway.
 */
import { sleep as realSleep } from '../util/abort.js';

/** Rate classes of the reference's endpoint table (requests per second per user). */
export type ApiClass = 'dlf10' | 'dlf30' | 'none';
export const API_CLASS_RATES: Record<Exclude<ApiClass, 'none'>, number> = { dlf10: 10, dlf30: 30 };
/**
 * Share of the documented limit we use (inferred: the gateway's window is not documented; the
 * emulator counts a sliding one-second window, rate-limit.ts). Starts exactly 1/rate apart put at
 * most `rate` starts in any one-second window, but only as they leave us: the gateway counts
 * arrivals, and arrivals are jittered by late timers (a busy event loop), the network and the
 * gateway itself. Call k+rate is refused when it arrives less than 1000 ms after call k, i.e. when
 * the jitter exceeds rate × interval − 1000 ms = 1000 × (1/RATE_SAFETY − 1) ms, for every class
 * alike. 1.0 leaves no margin (the export benchmark got 8 of 100 calls throttled, each costing a
 * ≥2 s back-off); 0.97 left the benchmark 17 ms (shortest 11-call span 1017 ms, loopback); 0.95
 * tolerates ~53 ms of arrival jitter, which a real network needs, and was measured throttle-free;
 * 0.9 (111 ms) cost ~0.6 s per 100 calls more.
 *
 * No burst, though a per-second count would allow one (tried, issue 17): ten batch exports sent
 * at once reach the gateway spread out by its own processing, so the eleventh, sent a window
 * later, can arrive less than a second after the tenth was counted; the plan benchmark then drew
 * 429s and their ≥2 s back-offs in one run of three. Back-to-back commands of a script, each with
 * its own pacer, also collide far more often when each starts with a burst.
 */
export const RATE_SAFETY = 0.95;

export interface PacerOptions {
  /** Requests in flight at once, all classes together. */
  maxConcurrent: number;
  /**
   * Multiplies every class's rate (config `rateScale`): below 1 leaves room for other tools on the
   * same account, above 1 suits raised limits or an emulator started with --no-rate-limit.
   */
  scale?: number;
  now?: () => number;
  /** How to wait (tests give a clock of their own). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export class Pacer {
  /** Next free start time per API (the limits are per API and per user, reference §0). */
  private readonly nextSlot = new Map<string, number>();
  /** Actual last start per API: a timer that fires late must not start two calls together. */
  private readonly lastStart = new Map<string, number>();
  private readonly rates: Record<Exclude<ApiClass, 'none'>, number>;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly options: PacerOptions) {
    const scale = options.scale ?? 1;
    this.rates = { dlf10: API_CLASS_RATES.dlf10 * scale, dlf30: API_CLASS_RATES.dlf30 * scale };
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
  }

  /**
   * Wait for a concurrency slot and the API's next start time (`api` names the endpoint, `cls`
   * its rate class). Returns the release function, to call once the request (body included) is done.
   */
  async acquire(cls: ApiClass, signal?: AbortSignal, api = ''): Promise<() => void> {
    if (this.inFlight >= this.options.maxConcurrent) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.inFlight++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.inFlight--;
      this.waiting.shift()?.();
    };
    try {
      if (cls !== 'none') {
        // Even spacing (no burst): start times 1/rate apart, reserved before sleeping so concurrent
        // callers queue up behind each other.
        const interval = 1000 / (this.rates[cls] * RATE_SAFETY);
        const key = `${cls}:${api}`;
        const now = this.now();
        const slot = Math.max(now, this.nextSlot.get(key) ?? 0);
        this.nextSlot.set(key, slot + interval);
        if (slot > now) await this.sleep(slot - now, signal);
        // Late timers (a busy event loop: merging while listing) would release several reserved
        // slots at once and the gateway would see a burst: keep actual starts `interval` apart.
        for (;;) {
          const t = this.now();
          const earliest = (this.lastStart.get(key) ?? -Infinity) + interval;
          if (t >= earliest) {
            this.lastStart.set(key, t);
            break;
          }
          await this.sleep(earliest - t, signal);
        }
      }
    } catch (err) {
      release();
      throw err;
    }
    return release;
  }
}
