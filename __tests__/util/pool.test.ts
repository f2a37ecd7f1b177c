import { describe, expect, test } from '@jest/globals';
import { mapLimit } from '../../src/util/pool.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mapLimit', () => {
  test('keeps order and never exceeds the limit', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      most = Math.max(most, ++inFlight);
      await tick(n);
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });

  test('after a failure starts nothing new and settles only when work in flight has settled', async () => {
    const started: number[] = [];
    let settledAfterReject = false;
    let slowFinished = false;
    const run = mapLimit([1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      if (n === 1) throw new Error('boom');
      await tick(30);
      slowFinished = true;
      return n;
    });
    await expect(run.finally(() => (settledAfterReject = slowFinished))).rejects.toThrow('boom');
    expect(settledAfterReject).toBe(true);
    expect(started).toEqual([1, 2]);
  });
});
