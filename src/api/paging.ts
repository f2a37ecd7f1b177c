/**
 * Paging through a list (jobs, connections) whatever the service means by `offset`.
 *
 * The reference (§7, §19) leaves it open: the official DGC SDK documents `offset` as a page
 * number, Huawei's Terraform provider advances it by records. So the reading is detected from the
 * answers (OffsetReading in service-inferred.ts):
 *
 * 1. `offset=0` gives the first page: P items of `total` T. P ≥ T: done, no reading needed.
 * 2. One probe tells the readings apart:
 *    - when (P-1)·P ≥ T, `offset=P`: a record service answers the next P records; a page service
 *      answers page P, which lies past the end (empty). Empty → the page reading, and step 3's
 *      probe tells 0- from 1-based.
 *    - otherwise `offset=1`: a record service answers records 1…P (the first page shifted by
 *      one), a 0-based page service page 1 (nothing in common with the first page), a 1-based one
 *      the first page again (it reads 0 and 1 both as the first page).
 *    Any other answer fits no reading: exit 6 (ServiceError).
 * 3. With the reading and T known, the remaining pages are fetched at once (the HTTP layer paces
 *    them at the API's rate) and handed on in list order (`onPage`), so a consumer can start work
 *    before the last page is in.
 * 4. The result must hold T distinct items (by `key`): duplicates or a shortfall mean the answers
 *    fit no reading (or the list changed while it was read) → exit 6.
 *
 * In the record reading a page shorter than the first is not an error: the gap is read on from
 * where it stopped (a server that caps pages lower than asked is still read completely).
 */
import { ServiceError } from '../errors.js';
import { ApiError } from './errors.js';
import type { OffsetReading } from './service-inferred.js';

export type { OffsetReading } from './service-inferred.js';

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
 * Pages requested at once per list once the reading is known: the pacer spaces them at the API's
 * rate (30/s), so a few in flight keep that pace; more would only hold the run's shared request
 * slots (api/session.ts) that the batch exports need meanwhile.
 */
export const PAGE_CONCURRENCY = 3;

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

export interface CollectOptions<T> {
  /** Page size (or a step-down page size shared by the client's lists). */
  limit?: number | StepDownPageLimit;
  /** Identity of an item, for the duplicate check (default: JSON text). */
  key?: (item: T) => string;
  /** The reading already learnt from this service (skips the probe). */
  reading?: OffsetReading;
  /** Told the reading once it is known (not called when one page held everything). */
  onReading?: (reading: OffsetReading) => void;
  /** Items in list order, page by page, as soon as every page before is in. */
  onPage?: (items: T[], total: number) => void;
  /** `--verbose` lines. */
  debug?: (line: string) => void;
}

const RETRY_HINT = 'The list changed while it was being read, or the service pages in a way this tool does not know; run the command again.';

function fitsNoReading(what: string, why: string): ServiceError {
  return new ServiceError(`listing ${what}: the service's answers fit no reading of 'offset' (record offset, page number from 0 or from 1): ${why}`, { hint: RETRY_HINT });
}

function checkTotal(what: string, page: Page<unknown>): number {
  if (!Number.isInteger(page.total) || page.total < 0) throw new ServiceError(`listing ${what}: the service sent no valid total (${JSON.stringify(page.total)})`);
  return page.total;
}

/** Which reading the first page and the probe at `probeOffset` fit, or undefined. */
function classify<T>(first: T[], probe: T[], probe_: 'next' | 'one', key: (item: T) => string): OffsetReading | 'page' | undefined {
  const p = first.length;
  const firstKeys = first.map(key);
  const probeKeys = probe.map(key);
  const overlap = probeKeys.filter((k) => firstKeys.includes(k)).length;
  if (probe_ === 'next') {
    // (P-1)·P ≥ T: page P of either page reading lies past the end.
    if (probe.length === 0) return 'page';
    return overlap === 0 ? 'record' : undefined;
  }
  // probe at offset 1
  if (probeKeys.length === firstKeys.length && probeKeys.every((k, i) => k === firstKeys[i])) return 'page1';
  if (overlap === 0) return probe.length > 0 ? 'page0' : undefined;
  const shifted = probeKeys.slice(0, p - 1).every((k, i) => k === firstKeys[i + 1]);
  return shifted && overlap === Math.min(p - 1, probeKeys.length) ? 'record' : undefined;
}

/** Offsets of the pages still to read, given the reading and what the first page held. */
function remainingOffsets(reading: OffsetReading, pageSize: number, total: number, have: number): number[] {
  const offsets: number[] = [];
  if (reading === 'record') {
    for (let o = have; o < total; o += pageSize) offsets.push(o);
  } else {
    const pages = Math.ceil(total / pageSize);
    const base = reading === 'page1' ? 1 : 0;
    for (let k = Math.ceil(have / pageSize); k < pages; k++) offsets.push(k + base);
  }
  return offsets;
}

/**
 * Every item of a list, in list order, read under whichever reading of `offset` the service uses
 * (see the module comment). Throws ServiceError (exit 6) when the answers fit none.
 */
export async function collectPages<T>(
  what: string,
  fetchPage: (offset: number, limit: number) => Promise<Page<T>>,
  limitOrOptions: number | StepDownPageLimit | CollectOptions<T> = PAGE_LIMIT,
): Promise<T[]> {
  const options: CollectOptions<T> = typeof limitOrOptions === 'object' && !(limitOrOptions instanceof StepDownPageLimit) ? limitOrOptions : { limit: limitOrOptions };
  const limitSetting = options.limit ?? PAGE_LIMIT;
  const pageLimit = typeof limitSetting === 'number' ? new StepDownPageLimit(limitSetting, limitSetting) : limitSetting;
  const key = options.key ?? ((item: T) => JSON.stringify(item));
  const get = (offset: number) => pageLimit.fetch((n) => fetchPage(offset, n));

  const first = await get(options.reading === 'page1' ? 1 : 0);
  const total = checkTotal(what, first);
  const all: T[] = [...first.items];
  const deliver = (items: T[]) => options.onPage?.(items, total);
  if (all.length >= total) {
    if (all.length > total) {
      throw new ServiceError(`listing ${what}: got ${all.length} items but the service said there are ${total}`, { hint: RETRY_HINT });
    }
    deliver(all);
    return all;
  }
  if (all.length === 0) throw new ServiceError(`listing ${what}: an empty first page, but the service said there are ${total}`, { hint: RETRY_HINT });
  const pageSize = all.length;
  // The first page is the same under every reading: hand it on before probing.
  deliver(first.items);

  let reading = options.reading;
  // Pages already read beyond the first, by offset (the probe's answer, when it is one).
  const known = new Map<number, T[]>();
  if (reading === undefined) {
    const probeKind = (pageSize - 1) * pageSize >= total ? 'next' : 'one';
    const probeOffset = probeKind === 'next' ? pageSize : 1;
    const probe = (await get(probeOffset)).items;
    let found = classify(first.items, probe, probeKind, key);
    if (found === 'page') {
      const second = (await get(1)).items;
      found = classify(first.items, second, 'one', key);
      if (found === 'record') found = undefined; // a record service answered the first probe
      if (found === 'page0') known.set(1, second);
    } else if (found === 'record' && probeKind === 'next') {
      known.set(pageSize, probe);
    } else if (found === 'page0') {
      known.set(1, probe);
    }
    if (found === undefined || found === 'page') {
      throw fitsNoReading(what, `offset 0 gave ${pageSize} of ${total}, offset ${probeOffset} gave ${probe.length} that are neither the next records nor another page`);
    }
    reading = found;
    options.onReading?.(reading);
  }
  options.debug?.(`listing ${what}: the service reads 'offset' as ${describeReading(reading)}; ${total} items, ${pageSize} a page`);

  const offsets = remainingOffsets(reading, pageSize, total, all.length);
  const results = new Map<number, Promise<T[]>>();
  let nextToStart = 0;
  const start = (i: number) => {
    const offset = offsets[i]!;
    const cached = known.get(offset);
    const p = cached ? Promise.resolve(cached) : get(offset).then((page) => page.items);
    p.catch(() => undefined); // awaited in order below; no unhandled rejection meanwhile
    results.set(i, p);
  };
  const topUp = () => {
    while (nextToStart < offsets.length && nextToStart < handed + PAGE_CONCURRENCY) start(nextToStart++);
  };
  let handed = 0;
  try {
    topUp();
    for (; handed < offsets.length; handed++) {
      const offset = offsets[handed]!;
      const items = await results.get(handed)!;
      results.delete(handed);
      topUp();
      let fresh = items;
      if (reading === 'record') {
        // Read any gap a short page before left, then drop what overlaps what we have.
        while (all.length < offset) {
          const gap = (await get(all.length)).items;
          if (gap.length === 0) throw new ServiceError(`listing ${what}: an empty page at offset ${all.length} before reaching the total of ${total}`, { hint: RETRY_HINT });
          const part = gap.slice(0, offset - all.length);
          all.push(...part);
          deliver(part);
        }
        fresh = items.slice(all.length - offset);
      } else if (items.length !== Math.min(pageSize, total - (offset - (reading === 'page1' ? 1 : 0)) * pageSize)) {
        throw fitsNoReading(what, `page ${offset} held ${items.length} items, not ${pageSize}`);
      }
      all.push(...fresh);
      deliver(fresh);
    }
    // A short last page in the record reading: read on to the total.
    while (reading === 'record' && all.length < total) {
      const rest = (await get(all.length)).items;
      if (rest.length === 0) throw new ServiceError(`listing ${what}: an empty page at offset ${all.length} before reaching the total of ${total}`, { hint: RETRY_HINT });
      all.push(...rest);
      deliver(rest);
    }
  } finally {
    // Let requests still on the wire settle before the caller reports anything.
    await Promise.allSettled(results.values());
  }
  if (all.length !== total) {
    throw new ServiceError(`listing ${what}: got ${all.length} items but the service said there are ${total}`, { hint: RETRY_HINT });
  }
  const seen = new Set<string>();
  const duplicates = all.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return true;
    seen.add(k);
    return false;
  });
  if (duplicates.length > 0) throw fitsNoReading(what, `${duplicates.length} items came twice (e.g. ${key(duplicates[0]!)})`);
  return all;
}

export function describeReading(reading: OffsetReading): string {
  return reading === 'record' ? 'a record offset' : reading === 'page0' ? 'a page number counted from 0' : 'a page number counted from 1';
}
