import { abortableDelay } from '../util/abort.js';

/** A timer that stops early (rejecting with the abort reason) when the run is interrupted. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  // One abort listener per run signal however many sleep at once (src/util/abort.ts).
  return abortableDelay(ms, signal);
}
