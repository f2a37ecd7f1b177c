/**
 * The `.script` files a night captures, spilled to a temporary file as the scripts list hands
 * them over, then read back one at a time in archive order when the capture zip is written.
 *
 * Why: the list carries every script's whole content (reference §20: ≤ 64 KB each, ≤ 10,000 per
 * workspace, so up to ~650 MB on a full night) and its pages come in the service's order, not the
 * zip's. Held in memory until the listing ended, they were the largest part of a full night's
 * peak; here memory holds one page at a time plus, per script, its name and two numbers.
 *
 * The file is append-only and written synchronously (a page at a time, at the list's paced rate),
 * so what was recorded is always on disk before the next page is read.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { compareEntryNames } from '../archive/zip-write.js';

export class ScriptSpill {
  private fd: number | undefined;
  private size = 0;
  /** Name → index into offsets/lengths. */
  private readonly index = new Map<string, number>();
  private readonly offsets: number[] = [];
  private readonly lengths: number[] = [];

  private constructor(readonly file: string) {
    // 'wx+' (read back later) and owner-only: the spill holds scripts' SQL, and a file already there is not ours.
    this.fd = openSync(file, 'wx+', 0o600);
  }

  /** Creates `file` (which must not exist); throws the file system's error. */
  static open(file: string): ScriptSpill {
    return new ScriptSpill(file);
  }

  /** Appends one script's `.script` bytes (a second copy of a name replaces the first). */
  add(name: string, bytes: Buffer): void {
    if (this.fd === undefined) throw new Error('ScriptSpill: add() after close()');
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, this.size + done);
    const i = this.index.get(name) ?? this.offsets.length;
    this.index.set(name, i);
    this.offsets[i] = this.size;
    this.lengths[i] = bytes.length;
    this.size += bytes.length;
  }

  get count(): number {
    return this.index.size;
  }

  /** The spilled names in the order of their zip entries (`scripts/{name}.script`). */
  sortedNames(): string[] {
    return [...this.index.keys()].sort((a, b) => compareEntryNames(`${a}.script`, `${b}.script`));
  }

  /** One script's bytes, read back (a fresh buffer: the caller may keep it). */
  read(name: string): Buffer {
    const i = this.index.get(name);
    if (i === undefined || this.fd === undefined) throw new Error(`ScriptSpill: ${JSON.stringify(name)} is not spilled`);
    const out = Buffer.allocUnsafeSlow(this.lengths[i]!);
    let done = 0;
    while (done < out.length) {
      const n = readSync(this.fd, out, done, out.length - done, this.offsets[i]! + done);
      if (n === 0) throw new Error(`ScriptSpill: ${this.file} is shorter than what was written to it`);
      done += n;
    }
    return out;
  }

  /** Closes the file (its directory's owner removes it). Safe to call more than once. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
  }
}
