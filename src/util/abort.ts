/**
 * One 'abort' listener per run signal, however many waiters: a run shares one AbortSignal
 * (Ctrl-C) among every paced request, poll and sleep in flight, and 60 jobs polled at once would
 * otherwise put 60 listeners on it (Node warns past 10: MaxListenersExceededWarning). The first
 * waiter adds the listener; the last one to leave removes it.
 */
const waiters = new WeakMap<AbortSignal, Set<() => void>>();

/** Call `fn` once when `signal` aborts (at once if it already has); returns the unsubscribe. */
export function whenAborted(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    fn();
    return () => undefined;
  }
  let set = waiters.get(signal);
  if (!set) {
    const created = new Set<() => void>();
    set = created;
    waiters.set(signal, created);
    const fire = () => {
      waiters.delete(signal);
      for (const f of [...created]) f();
    };
    signal.addEventListener('abort', fire, { once: true });
    // Kept beside the set so the last unsubscribe can remove exactly this listener.
    listeners.set(created, fire);
  }
  const entry = () => fn();
  set.add(entry);
  return () => {
    const current = waiters.get(signal);
    if (!current || !current.delete(entry) || current.size > 0) return;
    waiters.delete(signal);
    signal.removeEventListener('abort', listeners.get(current)!);
  };
}
const listeners = new WeakMap<Set<() => void>, () => void>();

/**
 * The one sleep of the client: resolve after `ms`, or reject with the signal's reason (the
 * InterruptedError) when it aborts first, with one abort listener per run signal however many wait.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const stop = signal ? whenAborted(signal, () => {
      clearTimeout(timer);
      reject(signal.reason);
    }) : () => undefined;
    const timer = setTimeout(() => {
      stop();
      resolve();
    }, ms);
  });
}

/** A signal for one operation that aborts with `signal`; `done()` detaches it when the operation ends. */
export function childSignal(signal: AbortSignal): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const done = whenAborted(signal, () => controller.abort(signal.reason));
  return { signal: controller.signal, done };
}
