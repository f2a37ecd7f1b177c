/**
 * CPU time (user + system, all threads of this process, so zlib's thread pool counts) spent while
 * `fn` runs. Bounds on work ("stops at the cap", "refused from the header", "built in a few
 * milliseconds") are checked on CPU time, not on the wall clock: jest runs test files in parallel
 * workers on a machine other jobs share, and wall time measures the neighbours as much as the
 * code. A hang is still caught, by jest's test timeout.
 */
export async function cpuTime<T>(fn: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const before = process.cpuUsage();
  const value = await fn();
  const used = process.cpuUsage(before);
  return { value, ms: (used.user + used.system) / 1000 };
}
