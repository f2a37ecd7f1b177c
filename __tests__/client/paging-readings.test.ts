/**
 * Paging under every reading of `offset` (reference §7, §19: the DGC SDK says page number, the
 * Terraform provider advances by records). Pure: simulated services answer collectPages.
 */
import { describe, expect, test } from '@jest/globals';
import { collectPages, type OffsetReading } from '../../src/api/paging.js';
import { ServiceError } from '../../src/errors.js';

const items = (n: number) => Array.from({ length: n }, (_, i) => `job_${String(i).padStart(5, '0')}`);

/** A service reading offset as `reading`, capping pages at `cap` whatever limit asks. */
function service(reading: OffsetReading, all: string[], cap: number) {
  const offsets: number[] = [];
  const fetch = async (offset: number, limit: number) => {
    offsets.push(offset);
    const size = Math.min(limit, cap);
    const start = reading === 'record' ? offset : (reading === 'page0' ? offset : Math.max(offset, 1) - 1) * size;
    return { total: all.length, items: all.slice(start, start + size) };
  };
  return { offsets, fetch };
}

describe.each(['record', 'page0', 'page1'] as const)('a service reading offset as %s', (reading) => {
  test.each([
    [250, 100],
    [250, 10], // (P-1)·P < T: the offset-1 probe tells the readings apart
    [10_000, 100],
    [1, 100],
    [101, 100],
    [7, 1],
  ])('%i items, pages of %i: every item once, in order, reading detected', async (n, cap) => {
    const all = items(n);
    const s = service(reading, all, cap);
    let detected: OffsetReading | undefined;
    const pages: string[][] = [];
    const got = await collectPages('jobs', s.fetch, { limit: 1000, key: (x) => x, onReading: (r) => (detected = r), onPage: (p) => pages.push(p) });
    expect(got).toEqual(all);
    expect(pages.flat()).toEqual(all);
    if (n > cap && cap > 1) expect(detected).toBe(reading);
    // No more than one extra call over the pages themselves (the probe), plus at most one wasted.
    expect(s.offsets.length).toBeLessThanOrEqual(Math.ceil(n / cap) + 2);
  });

  test('a reading learnt earlier skips the probe', async () => {
    const all = items(250);
    const s = service(reading, all, 100);
    expect(await collectPages('jobs', s.fetch, { limit: 100, key: (x) => x, reading })).toEqual(all);
    expect(s.offsets.length).toBe(3);
  });
});

describe('answers that fit no reading: exit 6', () => {
  test('a service that answers the first page whatever the offset (with a total beyond it)', async () => {
    // Identical answers to offset 0 and 1 look like pages from 1, then every page repeats.
    const all = items(250);
    const fetch = async () => ({ total: all.length, items: all.slice(0, 100) });
    await expect(collectPages('jobs', fetch, { limit: 100, key: (x) => x })).rejects.toThrow(ServiceError);
  });

  test('a service whose second page overlaps the first in no known way', async () => {
    const all = items(300);
    const fetch = async (offset: number) => ({ total: all.length, items: all.slice(offset * 3 + (offset ? 50 : 0), offset * 3 + (offset ? 50 : 0) + 10) });
    await expect(collectPages('jobs', fetch, { limit: 10, key: (x) => x })).rejects.toThrow(/fit no reading of 'offset'/);
  });

  test('a page service that reads offset 0 and 1 as different pages but repeats items later', async () => {
    const all = items(30);
    const fetch = async (offset: number) => ({ total: all.length, items: offset === 2 ? all.slice(0, 10) : all.slice(offset * 10, offset * 10 + 10) });
    await expect(collectPages('jobs', fetch, { limit: 10, key: (x) => x })).rejects.toThrow(/came twice/);
  });
});
