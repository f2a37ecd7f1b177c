/**
 * Reading back one part while the next imports: once a part's task has ended, the jobs it
 * imported are read back and compared at once (in the background, through the check it is given:
 * verify.ts checkPartJobs), so the read-back after the last part only reads what is left, and
 * only the comparisons are kept, not the definitions. A read that fails is simply not used: the
 * check reads those jobs again itself.
 */
import type { JobComparison } from '../compare/definitions.js';

type Check = () => Promise<Map<string, JobComparison | undefined>>;

export class ReadAhead {
  private readonly reads: Promise<Map<string, JobComparison | undefined> | undefined>[] = [];

  /** Start one part's check (a failure is kept as "not read"). */
  start(check: Check): void {
    this.reads.push(check().catch(() => undefined));
  }

  /** Every job read back so far with its comparison (undefined: not in the workspace). */
  async collect(): Promise<Map<string, JobComparison | undefined>> {
    const out = new Map<string, JobComparison | undefined>();
    for (const r of this.reads) {
      const done = await r;
      if (done) for (const [name, cmp] of done) out.set(name, cmp);
    }
    return out;
  }
}
