/**
 * The workspace's current definitions of some jobs, read the way `jobs export` reads them: batch
 * export, at most 100 names a call, each zip read with the hostile-safe reader. Used by
 * `jobs diff`, the import's dry-run counts and its read-back check.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { readZipEntries } from '../archive/zip-read.js';
import { EXPORT_BATCH_LIMITS } from '../archive/limits.js';
import { buildModel } from '../archive/model.js';
import { BATCH_SIZE, type BatchExporter } from '../export/batches.js';
import { definitionsOf, mergeDefinitions, type Definitions } from './definitions.js';

/**
 * Batch-export calls in flight (the client paces them at the documented 10/s). While the import
 * plans, each response waits its turn on a busy event loop (120–200 ms instead of 30): with four
 * in flight the next paced call sometimes had no free slot (a 0.3 s gap in the chain of 25); eight
 * hold at most eight batches of 100 jobs (a restore of 10,000 jobs still peaks at 240 MB).
 */
const CONCURRENCY = 8;

/** What each exported batch is handed to: its names and their definitions (batches in any order). */
type OnBatch = (names: string[], current: Definitions) => void;

/**
 * A batch reader fed names as they become known (e.g. page by page while the workspace is being
 * listed): every 100 names start one batch export at once, at most CONCURRENCY in flight, so the
 * exports overlap whatever produces the names. `end()` exports the rest and waits for every batch;
 * it rejects with the first failure (after which no new batch starts). Each batch's definitions
 * go to `onBatch` as it arrives and are let go: a caller keeps only what it derives from them.
 */
export class WorkspaceBatchReader {
  private pending: string[] = [];
  private readonly seen = new Set<string>();
  private readonly queue: string[][] = [];
  private readonly running = new Set<Promise<void>>();
  private failure: { err: unknown } | undefined;
  private done = 0;
  private batches = 0;
  private onProgress?: (done: number, total: number) => void;
  /** end() was called: the names are all known, a part batch may go. */
  private ended = false;

  constructor(private readonly client: BatchExporter, private readonly workDir: string, private readonly onBatch: OnBatch) {}

  /** Names added so far (each once). */
  get total(): number {
    return this.seen.size;
  }

  add(name: string): void {
    if (this.seen.has(name)) return;
    this.seen.add(name);
    this.pending.push(name);
    if (this.pending.length >= BATCH_SIZE) this.flush();
  }

  /** Progress (jobs read, names added) from now on, once the names are all known. */
  reportTo(onProgress: (done: number, total: number) => void): void {
    this.onProgress = onProgress;
    onProgress(this.done, this.total);
  }

  /** No batch starts any more (those in flight finish on their own): the caller failed meanwhile. */
  abandon(): void {
    this.queue.length = 0;
    this.pending = [];
    this.failure ??= { err: new Error('batch reading abandoned') };
  }

  async end(): Promise<void> {
    this.ended = true;
    this.flush(true);
    while (this.running.size > 0) await Promise.race(this.running);
    if (this.failure) throw this.failure.err;
  }

  /**
   * Queue the pending names as a batch when there are a batch's worth (or at the end), then start
   * what the concurrency allows. Never a part batch before the end: each call counts against the
   * rate limit, so 2,500 names take exactly 25 calls.
   */
  private flush(final = false): void {
    if (this.pending.length >= BATCH_SIZE || (final && this.pending.length > 0)) this.queue.push(this.pending.splice(0));
    while (!this.failure && this.running.size < CONCURRENCY && this.queue.length > 0) {
      const batch = this.queue.shift()!;
      const run: Promise<void> = this.read(batch, this.batches++)
        .catch((err: unknown) => void (this.failure ??= { err }))
        .finally(() => {
          this.running.delete(run);
          this.flush(this.ended);
        });
      this.running.add(run);
    }
  }

  private async read(batch: string[], i: number): Promise<void> {
    const file = path.join(this.workDir, `read-back-${process.pid}-${Date.now()}-${i}.zip`);
    try {
      await this.client.batchExport(batch, { exportDepend: true, exportStatus: 'DEVELOP' }, file);
      const entries = await readZipEntries(file, EXPORT_BATCH_LIMITS);
      this.onBatch(batch, definitionsOf(buildModel('workspace export', entries)));
      this.done += batch.length;
      this.onProgress?.(this.done, this.total);
    } finally {
      await rm(file, { force: true });
    }
  }
}

/**
 * Each batch's definitions as it arrives (`onBatch(names, definitions)`, batches in any order), so
 * a caller can compare and let each batch go instead of holding every job read.
 * `onProgress(jobsRead, total)` after each batch, so a progress counter moves.
 */
export async function forEachWorkspaceBatch(
  client: BatchExporter,
  input: { names: string[]; workDir: string },
  onBatch: OnBatch,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const reader = new WorkspaceBatchReader(client, input.workDir, onBatch);
  const sorted = [...new Set(input.names)].sort();
  // Known in advance: the total is right from the first update.
  for (const name of sorted) reader.add(name);
  if (onProgress) reader.reportTo(onProgress);
  await reader.end();
}

/** Every definition of `names` at once (for callers that need them together). */
export async function readWorkspaceDefinitions(client: BatchExporter, names: string[], workDir: string, onProgress?: (done: number, total: number) => void): Promise<Definitions> {
  const sets: Definitions[] = [];
  await forEachWorkspaceBatch(client, { names, workDir }, (_names, current) => void sets.push(current), onProgress);
  return mergeDefinitions(sets);
}
