/**
 * Client-side pacing: each API class is held to the reference's per-user rate limit (§0), shared by
 * every concurrent request of the process, plus an overall cap on requests in flight. A bulk run
 * then keeps within the limit instead of being throttled (429) by the gateway.
 */
import { sleep as realSleep } from '../util/abort.js';

/** Rate classes of the reference's endpoint table (requests per second per user). */
export type ApiClass = 'dlf10' | 'dlf30' | 'none';
export const API_CLASS_RATES: Record<Exclude<ApiClass, 'none'>, number> = { dlf10: 10, dlf30: 30 };
/**
 * Share of the documented limit we use (inferred: the gateway's window is not documented; its
 * throttling message says "limit:XX,time:1 second", and the emulator counts a sliding one-second
 * window, rate-limit.ts). Call k+rate starts at least 1000 / RATE_SAFETY ms after call k, but the
 * gateway counts arrivals, and arrivals are jittered by late timers (a busy event loop), the
 * network and the gateway itself: call k+rate is refused when it arrives less than 1000 ms after
 * call k, i.e. when the jitter exceeds 1000 × (1/RATE_SAFETY − 1) ms, for every class alike.
 * 1.0 leaves no margin (the export benchmark got 8 of 100 calls throttled, each costing a ≥2 s
 * back-off); 0.97 left the benchmark 17 ms; 0.95 tolerates ~53 ms of arrival jitter, which a real
 * network needs, and was measured throttle-free; 0.9 (111 ms) cost ~0.6 s per 100 calls more.
 */
export const RATE_SAFETY = 0.95;

export interface PacerOptions {
  /** Requests in flight at once, all classes together. */
  maxConcurrent: number;
  rates?: Partial<Record<Exclude<ApiClass, 'none'>, number>>;
  now?: () => number;
  /** How to wait (tests give a clock of their own). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** One API's recent starts, in order, and whether the gateway has throttled it this run. */
interface ApiPace {
  starts: number[];
  /** Calls wait here for the one before them: starts are decided in arrival order. */
  queue: Promise<void>;
  spaced: boolean;
}

export class Pacer {
  /** Per API (the limits are per API and per user, reference §0). */
  private readonly apis = new Map<string, ApiPace>();
  private readonly rates: Record<Exclude<ApiClass, 'none'>, number>;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly options: PacerOptions) {
    this.rates = { ...API_CLASS_RATES, ...(options.rates ?? {}) };
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
      if (cls !== 'none') await this.startSlot(cls, api, signal);
    } catch (err) {
      release();
      throw err;
    }
    return release;
  }

  /**
   * The gateway throttled this API all the same (429): its window may be shorter than a second, or
   * a bucket that allows no burst (inferred otherwise). From now on this run spaces the API's calls
   * evenly, 1 / (rate × RATE_SAFETY) apart, which keeps within the limit whatever the gateway counts.
   */
  throttled(cls: ApiClass, api = ''): void {
    if (cls !== 'none') this.paceOf(cls, api).spaced = true;
  }

  private paceOf(cls: Exclude<ApiClass, 'none'>, api: string): ApiPace {
    const key = `${cls}:${api}`;
    let pace = this.apis.get(key);
    if (!pace) this.apis.set(key, (pace = { starts: [], queue: Promise.resolve(), spaced: false }));
    return pace;
  }

  /**
   * At most `rate` starts in any window of 1000 / RATE_SAFETY ms: a burst of up to `rate` calls,
   * then each next one once the call `rate` before it is a window old. Judged on the actual start
   * times (a timer that fires late delays this call, never two calls together), one call at a time
   * in arrival order.
   */
  private async startSlot(cls: Exclude<ApiClass, 'none'>, api: string, signal?: AbortSignal): Promise<void> {
    const pace = this.paceOf(cls, api);
    const before = pace.queue;
    let done!: () => void;
    pace.queue = new Promise<void>((resolve) => (done = resolve));
    try {
      await before;
      const rate = this.rates[cls];
      const windowMs = 1000 / RATE_SAFETY;
      for (;;) {
        const [count, span] = pace.spaced ? [1, windowMs / rate] : [rate, windowMs];
        const t = this.now();
        const earliest = pace.starts.length >= count ? pace.starts[pace.starts.length - count]! + span : t;
        if (t >= earliest) {
          pace.starts.push(t);
          if (pace.starts.length > rate) pace.starts.shift();
          return;
        }
        await this.sleep(earliest - t, signal);
      }
    } finally {
      done();
    }
  }
}
