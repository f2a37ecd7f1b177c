/**
 * Paging by record offset (reference §7: the doc says "page number", Huawei's own Terraform provider
 * advances by records; we follow the provider). Asks for `limit` records, advances by what came
 * back (so a server that caps pages lower than asked is still read completely), stops at `total`.
 */
import { ServiceError } from '../errors.js';
import { ApiError } from './errors.js';

export interface Page<T> {
  total: number;
  items: T[];
}

/** The page size every documented list accepts (the OTC mirror's maximum for jobs, reference §7). */
export const PAGE_LIMIT = 100;

/**
 * Job list page size: Huawei Cloud documents `limit` 1–1000, the OTC mirror (and a Terraform
 * comment) 1–100 (reference §7). 1000 lists 10,000 jobs in ~10 calls instead of ~100 at 30 calls/s.
 */
export const JOB_LIST_PAGE_LIMIT = 1000;

/**
 * A page size that steps down once: asks for `preferred`; when a page asked that way is refused
 * with HTTP 400, it drops to `fallback` for the rest of the run (the object lives as long as the
 * client) and asks for that page again (lists are GETs, safe to repeat).
 *
 * (inferred) Which 400 a mirror with a lower maximum sends is not documented (DLF.3051 "request
 * parameter invalid" is the likely one), so any 400 to a page bigger than `fallback` counts. A 400
 * with another cause (unknown workspace, …) simply comes back again at `fallback` and is reported
 * then: the cost of guessing wrong is one extra GET.
 */
export class StepDownPageLimit {
  private current: number;

  constructor(
    preferred: number,
    private readonly fallback = PAGE_LIMIT,
  ) {
    this.current = preferred;
  }

  /** The page size the next request asks for. */
  get value(): number {
    return this.current;
  }

  async fetch<P>(fetchPage: (limit: number) => Promise<P>): Promise<P> {
    const limit = this.current;
    try {
      return await fetchPage(limit);
    } catch (err) {
      if (limit <= this.fallback || !(err instanceof ApiError) || err.status !== 400) throw err;
      this.current = this.fallback;
      return fetchPage(this.fallback);
    }
  }
}

export async function collectPages<T>(
  what: string,
  fetchPage: (offset: number, limit: number) => Promise<Page<T>>,
  limit: number | StepDownPageLimit = PAGE_LIMIT,
): Promise<T[]> {
  const pageLimit = typeof limit === 'number' ? new StepDownPageLimit(limit, limit) : limit;
  const all: T[] = [];
  let total: number | undefined;
  for (;;) {
    const page = await pageLimit.fetch((n) => fetchPage(all.length, n));
    if (!Number.isInteger(page.total) || page.total < 0) throw new ServiceError(`listing ${what}: the service sent no valid total (${JSON.stringify(page.total)})`);
    // The first page's total is the count we must reach; a changing total means the list moved.
    total ??= page.total;
    for (const item of page.items) all.push(item);
    if (all.length > total) {
      throw new ServiceError(`listing ${what}: got ${all.length} items but the service said there are ${total}`, {
        hint: 'The list changed while it was being read (or the service pages inconsistently); run the command again.',
      });
    }
    if (all.length === total) return all;
    if (page.items.length === 0) {
      throw new ServiceError(`listing ${what}: an empty page at offset ${all.length} before reaching the total of ${total}`, {
        hint: 'The list changed while it was being read (or the service pages inconsistently); run the command again.',
      });
    }
  }
}
