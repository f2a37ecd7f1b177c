/**
 * How far V8 lets the heap grow past what is live before collecting it. An import makes most of
 * its memory as short-lived garbage (each part's bytes, each exported batch, their parses) while
 * what stays live is small (fingerprints and names: ~30 MB at 10,000 jobs). By default V8 sets
 * the next full collection at up to about 4× the live size measured at the last one, and the
 * last one came while planning, when the archive was still held: a 10,000-job restore reached
 * 400+ MB of RSS that was nearly all garbage waiting for a collection that did not come (live
 * after one: ~40 MB). Asking V8 for at most 25 % growth over the live size keeps the peak near
 * what is live, at a small CPU cost (measured in the README's Benchmarks). Set for a real import
 * only, from its start (its planning is where the peak was); a dry run keeps V8's default pace.
 *
 * `--heap-growing-percent` is a V8 flag, not a Node API: set through v8.setFlagsFromString, read
 * by V8 each time it sizes the heap after a collection (V8 has had it since 2019; Node 20 ships
 * it). A V8 without it would print "unrecognized flag" on stderr and keep its default growth:
 * __tests__/import/heap.test.ts fails first if the Node in use lacks it.
 */
import v8 from 'node:v8';

const HEAP_GROWING_PERCENT = 25;

export function keepHeapNearLiveSize(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
