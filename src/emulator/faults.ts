/** Seeded fault injection on DataArts calls: 5xx, connection reset, 429 and truncated export bodies. */
import { Prng } from './prng.js';

export type FaultKind = '5xx' | 'reset' | '429' | 'truncate';
export interface FaultSettings {
  rate: number;
  kinds?: FaultKind[];
  pathPattern?: RegExp;
}

const ALL_KINDS: FaultKind[] = ['5xx', 'reset', '429', 'truncate'];

export class FaultInjector {
  private settings: FaultSettings | undefined;
  constructor(
    private readonly rng: Prng,
    settings: FaultSettings | undefined,
  ) {
    this.set(settings);
  }

  set(settings: FaultSettings | undefined): void {
    if (settings && !(settings.rate >= 0 && settings.rate <= 1)) throw new RangeError('fault rate must be between 0 and 1');
    this.settings = settings;
  }

  /** The fault for this call, if any. `truncate` only applies to calls that return an export zip. */
  pick(path: string, isExport: boolean): FaultKind | undefined {
    const s = this.settings;
    if (!s || s.rate <= 0) return undefined;
    if (s.pathPattern && !s.pathPattern.test(path)) return undefined;
    const kinds = (s.kinds ?? ALL_KINDS).filter((k) => k !== 'truncate' || isExport);
    if (kinds.length === 0) return undefined;
    if (!this.rng.chance(s.rate)) return undefined;
    return this.rng.pick(kinds);
  }

  /** Which 5xx to answer. */
  serverStatus(): number {
    return this.rng.pick([500, 502, 503]);
  }
}
