/**
 * The handoff from listing to exporting (issue 11 item 7): batches of selected names, in archive
 * order, formed while the job list is still coming in, so batch exports start after the first
 * pages instead of after the last one.
 *
 * The merge appends batch after batch, so a batch may only be formed from names that are known to
 * come first in the final archive order. That is knowable while listing when each job type's list
 * comes sorted by name (byte order), as the emulator's does (the reference says nothing about the
 * order): every name still to come of a type is then greater than the last one received, so with
 * F = the smallest "last name" among the types not yet complete, every unseen name U > F, and
 * `U/` ≥ `F\0` byte-wise; a known name A whose `A/` < `F\0` therefore precedes every unseen one in
 * archive order (folders sort by `name/`, see batches.ts archiveOrder) and can be batched now.
 * Batches are cut at BATCH_SIZE, exactly as planBatches would cut the complete sorted list, so the
 * calls, and the archive, are the same as without streaming.
 *
 * A list that turns out not to be sorted stops the streaming: the rest waits for the complete
 * list (still correct, just not overlapped). If a name arrives that sorts before a name already
 * batched, the archive can no longer be written in order: the run fails (exit 6), as it would for
 * a list that changed while being read.
 */
import type { JobSummary, JobType } from '../api/dataarts.js';
import { ServiceError } from '../errors.js';
import { compareEntryNames } from '../archive/zip-write.js';
import { archiveOrder, BATCH_SIZE, type BatchSource } from './batches.js';


interface TypeProgress {
  received: number;
  total?: number;
  last?: string;
}

interface Waiter {
  index: number;
  resolve: (names: string[] | undefined) => void;
  reject: (err: unknown) => void;
}

export class SortedJobsFeed implements BatchSource {
  private readonly types = new Map<JobType, TypeProgress>();
  private sorted = true;
  private pending: string[] = [];
  /** Names already safe, in archive order, not yet cut into a batch. */
  private safe: string[] = [];
  private lastEmittedKey: string | undefined;
  private readonly batches: string[][] = [];
  private finished = false;
  private failure: unknown;
  private waiters: Waiter[] = [];
  private selected = 0;
  private readonly firstSignal: Promise<void>;
  private signalFirst!: () => void;

  constructor(
    private readonly selects: (job: JobSummary) => boolean,
    jobTypes: readonly JobType[],
  ) {
    for (const t of jobTypes) this.types.set(t, { received: 0 });
    this.firstSignal = new Promise((resolve) => (this.signalFirst = resolve));
  }

  /** Whether names were batched before the list was complete (for --verbose). */
  streamed = false;

  /** Resolves once there is a batch, or the list is complete (or failed). */
  firstBatchOrEnd(): Promise<void> {
    return this.firstSignal;
  }

  /** True once the complete list is in. */
  get isFinished(): boolean {
    return this.finished;
  }

  /** Selected jobs so far (the final count once finished). */
  get selectedCount(): number {
    return this.selected;
  }

  /** Listed jobs expected in all (sum of the types' totals once each has said). */
  get expectedTotal(): number {
    let n = 0;
    for (const t of this.types.values()) n += t.total ?? 0;
    return n;
  }

  /** One page of one type, in list order. */
  addPage(jobType: JobType, jobs: JobSummary[], total: number): void {
    if (this.finished || this.failure !== undefined) return;
    const progress = this.types.get(jobType)!;
    progress.total = total;
    for (const job of jobs) {
      if (progress.last !== undefined && compareEntryNames(job.name, progress.last) <= 0) this.sorted = false;
      progress.last = job.name;
      progress.received += 1;
      if (this.selects(job)) {
        this.selected += 1;
        if (this.lastEmittedKey !== undefined && compareEntryNames(`${job.name}/`, this.lastEmittedKey) <= 0) {
          return this.fail(
            new ServiceError(`listing jobs: ${job.name} came after jobs that sort behind it were already being exported (the list changed while it was read)`, {
              hint: 'Nothing was written. Run the command again.',
            }),
          );
        }
        this.pending.push(job.name);
      }
    }
    if (this.sorted) this.release();
  }

  /** The complete list is in: everything left is batched. */
  finish(): void {
    if (this.finished || this.failure !== undefined) return;
    const rest = archiveOrder(this.pending);
    this.pending = [];
    if (rest.length > 0 && this.lastEmittedKey !== undefined && compareEntryNames(`${rest[0]!}/`, this.lastEmittedKey) <= 0) {
      return this.fail(new ServiceError('listing jobs: the list changed while it was read', { hint: 'Nothing was written. Run the command again.' }));
    }
    this.safe.push(...rest);
    this.cut(true);
    this.finished = true;
    this.wake();
    this.signalFirst();
  }

  fail(err: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = err;
    this.wake();
    this.signalFirst();
  }

  get(index: number): Promise<string[] | undefined> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ index, resolve, reject });
      this.wake();
    });
  }

  /** Move the names that precede every unseen name into `safe`, and cut full batches. */
  private release(): void {
    let bound: string | undefined;
    for (const t of this.types.values()) {
      if (t.total !== undefined && t.received >= t.total) continue;
      if (t.last === undefined) return; // a type with nothing yet: nothing is known to come first
      if (bound === undefined || compareEntryNames(t.last, bound) < 0) bound = t.last;
    }
    if (bound === undefined) return; // every type complete: finish() batches the rest
    const limit = `${bound}\u0000`;
    const ordered = archiveOrder(this.pending);
    let n = 0;
    while (n < ordered.length && compareEntryNames(`${ordered[n]!}/`, limit) < 0) n++;
    if (n === 0) return;
    this.safe.push(...ordered.slice(0, n));
    this.pending = ordered.slice(n);
    this.cut(false);
  }

  private cut(all: boolean): void {
    while (this.safe.length >= BATCH_SIZE || (all && this.safe.length > 0)) {
      const batch = this.safe.splice(0, BATCH_SIZE);
      this.batches.push(batch);
      this.lastEmittedKey = `${batch[batch.length - 1]!}/`;
      if (!this.finished && !all) this.streamed = true;
    }
    if (this.batches.length > 0) this.signalFirst();
    this.wake();
  }

  private wake(): void {
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (this.failure !== undefined) w.reject(this.failure);
      else if (w.index < this.batches.length) w.resolve(this.batches[w.index]);
      else if (this.finished) w.resolve(undefined);
      else still.push(w);
    }
    this.waiters = still;
  }
}
