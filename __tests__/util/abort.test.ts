/**
 * One abort listener per run signal, however many wait on it (Node warns past 10 listeners:
 * MaxListenersExceededWarning, seen in a 60-job --stop-running), removed when the last is done.
 */
import { describe, expect, test } from '@jest/globals';
import { getEventListeners } from 'node:events';
import { sleep, childSignal } from '../../src/util/abort.js';

describe('abort fan-out', () => {
  test('60 delays at once put one listener on the signal, and none is left when they end', async () => {
    const controller = new AbortController();
    const waits = Array.from({ length: 60 }, (_, i) => sleep(5 + (i % 3), controller.signal));
    const children = Array.from({ length: 20 }, () => childSignal(controller.signal));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    await Promise.all(waits);
    for (const c of children) c.done();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  test('an abort rejects every waiter with the reason and aborts every child; later waiters fail at once', async () => {
    const controller = new AbortController();
    const waits = Array.from({ length: 15 }, () => sleep(60_000, controller.signal));
    const child = childSignal(controller.signal);
    const reason = new Error('interrupted');
    controller.abort(reason);
    for (const w of waits) await expect(w).rejects.toBe(reason);
    expect(child.signal.aborted).toBe(true);
    expect(child.signal.reason).toBe(reason);
    await expect(sleep(10, controller.signal)).rejects.toBe(reason);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
