/**
 * Deterministic zip writer: the same entries give byte-identical files whatever the process time
 * zone, locale or the order in which the caller obtained them (callers sort with
 * compareEntryNames; add() refuses anything out of order).
 *
 * Why each fixed choice:
 * - addBuffer only: sizes and CRC go in the local header, no data descriptor. The JDK's
 *   ZipInputStream (the service is Java) refuses stored entries with data descriptors.
 * - deflate at a fixed level, mode 0o100644 for every file.
 * - yazl writes the DOS timestamp from the Date's *local* fields and, unless forceDosTimestamp is
 *   set, an extra UTC timestamp field. We build the Date from local wall-clock fields (so the DOS
 *   fields are 1980-01-01 00:00:00 in every TZ) and force DOS-only timestamps.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type * as YazlTypes from 'yazl';
import { ArchiveError } from '../errors.js';
import { entryNameProblem } from './safe-path.js';

// yazl is CommonJS and costs ~50 ms to load: load it only when a writer is opened.
const requireCjs = createRequire(import.meta.url);

export const FIXED_FILE_MODE = 0o100644;
export const DEFLATE_LEVEL = 6;

/** Sort order of entries in every archive the tool writes: ascending by UTF-8 bytes of the name. */
export function compareEntryNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export interface WrittenEntry { name: string; size: number; sha256: string }
export interface WrittenZip { bytes: number; sha256: string; entries: WrittenEntry[] }

export class DeterministicZipWriter {
  private readonly zip: YazlTypes.ZipFile;
  private readonly out: WriteStream;
  private readonly destPath: string;
  private readonly fileHash = createHash('sha256');
  private readonly written: WrittenEntry[] = [];
  private readonly done: Promise<number>;
  private lastName: Buffer | undefined;
  private state: 'open' | 'finishing' | 'closed' = 'open';

  private constructor(destPath: string) {
    const yazl = requireCjs('yazl') as typeof YazlTypes;
    this.destPath = destPath;
    this.zip = new yazl.ZipFile();
    // Opened synchronously with 'wx' so an existing file is never touched (open() throws EEXIST)
    // and abort() knows the file it removes is its own.
    this.out = createWriteStream(destPath, { fd: openSync(destPath, 'wx') });
    let bytes = 0;
    this.done = new Promise<number>((resolve, reject) => {
      const source = this.zip.outputStream;
      source.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        this.fileHash.update(chunk);
      });
      source.on('error', reject);
      this.out.on('error', reject);
      this.out.on('close', () => resolve(bytes));
      source.pipe(this.out);
    });
    // Errors are reported by finish()/abort(); never leave this promise rejected unobserved.
    this.done.catch(() => undefined);
  }

  /**
   * Starts writing to destPath, which must not exist (callers pass a temp path and rename); throws
   * the file system's error (EEXIST, ENOENT…) at once otherwise.
   */
  static open(destPath: string): DeterministicZipWriter {
    return new DeterministicZipWriter(destPath);
  }

  /** Adds one file entry. Names must be safe and strictly ascending (compareEntryNames). */
  add(name: string, data: Buffer): void {
    if (this.state !== 'open') throw new Error('DeterministicZipWriter: add() after finish() or abort()');
    const problem = entryNameProblem(name);
    if (problem !== undefined || name.endsWith('/')) {
      const reason = problem ?? 'directory entries are not written';
      throw new ArchiveError(`cannot write entry ${JSON.stringify(name)}: ${reason}`, [{ subject: name, reason }]);
    }
    const nameBytes = Buffer.from(name, 'utf8');
    if (this.lastName !== undefined && Buffer.compare(this.lastName, nameBytes) >= 0) {
      throw new Error(`DeterministicZipWriter: entries must be added in ascending order; ${JSON.stringify(name)} came after ${JSON.stringify(this.lastName.toString('utf8'))}`);
    }
    this.lastName = nameBytes;
    this.zip.addBuffer(data, name, {
      mtime: fixedLocalMtime(),
      forceDosTimestamp: true,
      mode: FIXED_FILE_MODE,
      compressionLevel: DEFLATE_LEVEL,
    });
    this.written.push({ name, size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
  }

  /** Ends the archive; comment must be printable ASCII (zip comments carry no charset flag). */
  async finish(comment?: string): Promise<WrittenZip> {
    if (this.state !== 'open') throw new Error('DeterministicZipWriter: finish() called twice or after abort()');
    this.state = 'finishing';
    if (comment !== undefined && !/^[\x20-\x7e\n]*$/.test(comment)) {
      await this.abort();
      throw new Error('DeterministicZipWriter: the zip comment must be printable ASCII');
    }
    this.zip.end(comment === undefined ? undefined : ({ comment } as YazlTypes.EndOptions));
    try {
      const bytes = await this.done;
      this.state = 'closed';
      return { bytes, sha256: this.fileHash.digest('hex'), entries: this.written.slice() };
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  /** Stops writing and removes the partial file. Safe to call more than once. */
  async abort(): Promise<void> {
    this.state = 'closed';
    this.zip.outputStream.unpipe(this.out);
    this.out.destroy();
    await new Promise<void>((resolve) => (this.out.closed ? resolve() : this.out.once('close', () => resolve())));
    await rm(this.destPath, { force: true });
  }
}

/**
 * 1980-01-01 00:00:00 built from *local* fields: yazl reads local fields back, so the DOS
 * date/time written is the same in every time zone.
 */
function fixedLocalMtime(): Date {
  return new Date(1980, 0, 1, 0, 0, 0);
}
