/**
 * Fetch the selected jobs through batch-export (≤100 names a call), several calls at a time, and
 * merge the checked batches, in archive order, into one sink (the zip writer or a staging tree).
 *
 * Every batch zip is streamed by the client into its own temp file (never held in memory), read
 * with the hostile-safe reader and checked: readable, safe names, every requested job present as
 * jobs/{job}/{job}.job, nothing outside the requested jobs' folders. A batch that fails the check
 * is fetched again (a bounded number of times) and never merged.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { forEachZipEntry } from '../archive/zip-read.js';
import { EXPORT_BATCH_LIMITS } from '../archive/limits.js';
import { expressionTimeZoneRewriter } from '../archive/timezone.js';
import { resolveInside } from '../archive/safe-path.js';
import { DataartsError, ServiceError } from '../errors.js';
import { compareEntryNames } from '../archive/zip-write.js';
import type { StagingDir } from '../util/atomic.js';

/** The service's documented per-call maximum (reference §3). */
export const BATCH_SIZE = 100;
/**
 * Export calls in flight at once (inferred). The client paces batch-export at 10 calls/s; with
 * ~20-100 ms per call, 4 in flight keep that pace busy without holding more temp files than needed.
 */
export const DEFAULT_CONCURRENCY = 4;
/** How many times one batch is fetched when its zip fails the checks (inferred). */
export const MAX_BATCH_FETCHES = 3;

export interface BatchExporter {
  batchExport(
    names: string[],
    opts: { exportDepend: boolean; exportStatus: 'DEVELOP' | 'SUBMIT' },
    destFile: string,
  ): Promise<{ bytes: number }>;
}

export interface FetchOptions {
  exportDepend: boolean;
  exportStatus: 'DEVELOP' | 'SUBMIT';
  /** Normalised time zone to write into every expressionTimeZone, if asked. */
  expressionTimeZone?: string;
  concurrency: number;
  signal: AbortSignal;
  /** Called after each batch is safely unpacked, with the number of jobs done so far. */
  onProgress?: (jobsDone: number) => void;
  /**
   * Files to add to the folder of a job of the archive (the rollback archive's scripts that no
   * replaced job runs): merged with that job's batch, in entry order.
   */
  extraEntries?: { name: string; job: string; data: Buffer }[];
}

/** One file of the staged tree: its archive entry name, size and digest (after any rewrite). */
export interface StagedEntry {
  name: string;
  job: string;
  size: number;
  sha256: string;
}

/** Where merged entries go, in archive order: the zip writer, or files under a staging tree. */
export interface EntrySink {
  add(name: string, data: Buffer): Promise<void> | void;
}

export interface MergeResult {
  entries: StagedEntry[];
  /** Number of expressionTimeZone fields rewritten. */
  timeZoneChanges: number;
}

/**
 * The order of job folders in the archive. Every entry of job J starts with `jobs/J/`, so a job's
 * entries are contiguous and folders sort by `J + '/'` (not by J: `a-b/` < `a/` because '-' < '/').
 * Batches cut from this order therefore hold consecutive ranges of the final archive, which lets
 * the merge append batch after batch.
 */
export function archiveOrder(names: string[]): string[] {
  return [...names].sort((a, b) => compareEntryNames(`${a}/`, `${b}/`));
}

/** Split names (already in archive order) into batches of at most BATCH_SIZE. */
export function planBatches(names: string[], size = BATCH_SIZE): string[][] {
  const batches: string[][] = [];
  for (let i = 0; i < names.length; i += size) batches.push(names.slice(i, i + size));
  return batches;
}

/**
 * Batches by index, in archive order, as they become known: the listing hands them over while it
 * is still reading (jobs-feed.ts), so exports start before the list is complete.
 */
export interface BatchSource {
  /** Batch `index` once it is formed; undefined when there is no such batch. Rejects if the listing failed. */
  get(index: number): Promise<string[] | undefined>;
}

function fixedBatches(batches: string[][]): BatchSource {
  return { get: async (index) => batches[index] };
}

/** A batch whose zip did not pass the checks (fetched again, never merged). */
class BadBatchError extends Error {}

interface FetchedEntry {
  name: string;
  job: string;
  data: Buffer;
}

/**
 * Fetch every batch (several in flight, each streamed to its own temp file) and hand the entries
 * to `sink` in archive order, batch by batch, as soon as a batch and all batches before it are in:
 * merging overlaps the rate-limited fetching. A batch is read and checked when its turn comes, so
 * memory holds one batch (≤100 jobs) at a time; a batch that fails the check is fetched again
 * there. Fetching runs at most `MERGE_WINDOW` batches ahead of the merge (temp files on disk).
 * On the first failure no new batch starts, in-flight ones finish, and the error is thrown.
 */
export async function fetchAndMerge(
  io: { client: BatchExporter; staging: StagingDir; sink: EntrySink },
  planned: string[][] | BatchSource,
  options: FetchOptions,
): Promise<MergeResult> {
  const { client, staging, sink } = io;
  const source = Array.isArray(planned) ? fixedBatches(planned) : planned;
  // Batches known so far, by index (all of them at once, or as the listing forms them).
  const batches: string[][] = [];
  let ended = false;
  const ready = new Set<number>();
  const result: MergeResult = { entries: [], timeZoneChanges: 0 };
  /** File names (without folder) merged so far, for extraEntries. */
  const mergedFiles = new Set<string>();
  let next = 0;
  let merged = 0;
  let jobsDone = 0;
  let failure: unknown;
  let merging: Promise<void> = Promise.resolve();
  let wakeWaiters: (() => void)[] = [];
  const wake = () => {
    const w = wakeWaiters;
    wakeWaiters = [];
    for (const f of w) f();
  };

  // Append every batch that is next in line; runs on one promise chain, so entries go in order.
  const drain = async () => {
    while (failure === undefined && ready.has(merged)) {
      ready.delete(merged);
      const names = batches[merged]!;
      const batch = await checkedBatch({ client, staging }, { names, index: merged }, options);
      result.timeZoneChanges += batch.timeZoneChanges;
      // An extra file goes in only where no copy of it is (copies in a batch archive must agree).
      const inBatch = new Set(batch.entries.map((b) => path.posix.basename(b.name)));
      const extra = (options.extraEntries ?? []).filter((e) => names.includes(e.job) && !inBatch.has(path.posix.basename(e.name)) && !mergedFiles.has(path.posix.basename(e.name)));
      for (const name of inBatch) mergedFiles.add(name);
      const entries = [...batch.entries, ...extra].sort((a, b) => compareEntryNames(a.name, b.name));
      for (let i = 0; i < entries.length; i++) {
        options.signal.throwIfAborted();
        const e = entries[i]!;
        // Let go of each entry's bytes once written, so a batch's data does not outlive its merge
        // (garbage Buffers that reach the old generation stay in RSS until a full GC).
        entries[i] = undefined as unknown as FetchedEntry;
        await sink.add(e.name, e.data);
        result.entries.push({ name: e.name, job: e.job, size: e.data.length, sha256: createHash('sha256').update(e.data).digest('hex') });
      }
      merged++;
      jobsDone += names.length;
      options.onProgress?.(jobsDone);
      wake();
    }
  };

  const worker = async () => {
    while (failure === undefined && !ended) {
      if (next >= merged + MERGE_WINDOW) {
        // Far enough ahead of the merge: wait for it rather than pile up temp files.
        await new Promise<void>((resolve) => wakeWaiters.push(resolve));
        continue;
      }
      options.signal.throwIfAborted();
      const index = next++;
      try {
        const names = await source.get(index);
        if (names === undefined) {
          ended = true;
          break;
        }
        batches[index] = names;
        await fetchBatch(client, names, batchZipPath(staging, index), options);
        ready.add(index);
        // Not awaited: this worker fetches on while the merge appends (errors land in `failure`).
        merging = merging.then(drain).catch((err: unknown) => {
          failure ??= err;
          wake();
        });
      } catch (err) {
        failure ??= err;
        wake();
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Array.isArray(planned) ? Math.min(options.concurrency, planned.length) : options.concurrency) }, worker);
  await Promise.all(workers);
  await merging;
  if (options.signal.aborted) throw options.signal.reason;
  if (failure !== undefined) throw failure;
  if (merged !== batches.length) throw new Error(`internal: merged ${merged} of ${batches.length} batches`);
  return result;
}

/** How many fetched batches may wait on disk for the merge (inferred; ~100-200 KB each). */
export const MERGE_WINDOW = 64;

function batchZipPath(staging: StagingDir, index: number): string {
  return staging.path(`batch-${String(index + 1).padStart(5, '0')}.zip`);
}

async function fetchBatch(client: BatchExporter, names: string[], zipPath: string, options: FetchOptions): Promise<void> {
  options.signal.throwIfAborted();
  await fs.rm(zipPath, { force: true });
  await client.batchExport(names, { exportDepend: options.exportDepend, exportStatus: options.exportStatus }, zipPath);
}

/**
 * The batch's checked entries, read from the zip fetched earlier; a zip that fails the checks is
 * fetched again, up to MAX_BATCH_FETCHES fetches in all, and never merged. The temp file is
 * removed either way.
 */
async function checkedBatch(
  io: { client: BatchExporter; staging: StagingDir },
  batch: { names: string[]; index: number },
  options: FetchOptions,
): Promise<{ entries: FetchedEntry[]; timeZoneChanges: number }> {
  const { client, staging } = io;
  const { names, index } = batch;
  const zipPath = batchZipPath(staging, index);
  let lastProblem = '';
  try {
    for (let fetches = 1; ; fetches++) {
      try {
        return await readBatch(zipPath, names, options.expressionTimeZone);
      } catch (err) {
        if (!(err instanceof BadBatchError) && !(err instanceof DataartsError && err.exitCode === 4)) throw err;
        lastProblem = err.message;
      }
      if (fetches >= MAX_BATCH_FETCHES) break;
      await fetchBatch(client, names, zipPath, options);
    }
  } finally {
    await fs.rm(zipPath, { force: true });
  }
  throw new ServiceError(
    `the service returned an unusable archive for batch ${index + 1} (${names[0]} … ${names[names.length - 1]}) ${MAX_BATCH_FETCHES} times: ${lastProblem}`,
    { hint: 'Nothing was written. Try again later; if it persists, export fewer jobs at a time.' },
  );
}

/**
 * Read one batch zip with the hostile-safe reader (safe names, sizes, CRC, no duplicates) and
 * check that every entry sits in a requested job's folder and every requested job is present.
 * `.job` entries get the time-zone rewrite here, so nothing unchecked reaches the merge.
 */
async function readBatch(
  zipPath: string,
  names: string[],
  expressionTimeZone: string | undefined,
): Promise<{ entries: FetchedEntry[]; timeZoneChanges: number }> {
  // Name → the same string: entries then share the caller's job-name strings instead of each
  // keeping its own copy cut from the entry path (30,000 entries for 10,000 jobs).
  const requested = new Map(names.map((n) => [n, n]));
  const present = new Set<string>();
  const entries: FetchedEntry[] = [];
  let timeZoneChanges = 0;
  const rewriteZone = expressionTimeZone === undefined ? undefined : expressionTimeZoneRewriter(expressionTimeZone);
  await forEachZipEntry(zipPath, EXPORT_BATCH_LIMITS, (name: string, data: Buffer) => {
    const parts = name.split('/');
    const job = parts.length === 3 && parts[0] === 'jobs' && parts[2] !== '' ? requested.get(parts[1]!) : undefined;
    if (job === undefined) {
      throw new BadBatchError(`unexpected entry ${JSON.stringify(name)} (not inside a requested job's folder)`);
    }
    if (parts[2] === `${job}.job`) present.add(job);
    let bytes = data;
    if (rewriteZone !== undefined && name.endsWith('.job')) {
      const rewritten = rewriteZone(data.toString('utf8'));
      if (rewritten.changed > 0) {
        bytes = Buffer.from(rewritten.text, 'utf8');
        timeZoneChanges += rewritten.changed;
      }
    }
    entries.push({ name, job, data: bytes });
  });
  const missing = names.filter((n) => !present.has(n));
  if (missing.length > 0) {
    throw new BadBatchError(`job file missing for ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
  }
  return { entries, timeZoneChanges };
}

/** A sink writing entries as files under `root` (the `--layout dir` staging tree). */
export function directorySink(root: string): EntrySink {
  const made = new Set<string>();
  return {
    async add(name: string, data: Buffer) {
      const target = resolveInside(root, name);
      const parent = path.dirname(target);
      if (!made.has(parent)) {
        await fs.mkdir(parent, { recursive: true });
        made.add(parent);
      }
      await fs.writeFile(target, data, { flag: 'wx', mode: 0o600 });
    },
  };
}
