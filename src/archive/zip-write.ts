/**
 * Deterministic zip writer: the same entries give byte-identical files whatever the process time
 * zone, locale or the order in which the caller obtained them (callers sort with
 * compareEntryNames; add() refuses anything out of order).
 *
 * Written directly (zlib + fs) rather than through yazl, for memory first: yazl with compress:true
 * starts one native deflate (libuv thread pool) per entry as soon as the entry is added, all of
 * them at once, each holding its own zlib state: 5,000 entries of ~2 KB peaked at ~1.15 GB RSS,
 * against ~86 MB here. It was slower too: 1.7 s vs 0.29 s on a quiet 2-core machine, 4.3–7.4 s vs
 * 0.27–0.48 s on a loaded one (`node bench/import-prep.js --writers`). Here each entry is deflated
 * synchronously and the output is written in 1 MiB blocks.
 *
 * The format choices, each fixed so nothing depends on time, zone, locale or platform:
 * - sizes and CRC in the local header, never a data descriptor: the JDK's ZipInputStream (the
 *   service is Java) refuses stored entries with data descriptors (shared/docs/stack.md);
 * - deflate at level 6 (empty files are stored), DOS time 1980-01-01 00:00:00, no extra
 *   timestamp fields, mode 0o100644, "made by" Unix, UTF-8 name flag;
 * - zip64 records only where the classic fields overflow (≥ 65,535 entries, offsets ≥ 4 GiB).
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import zlib from 'node:zlib';
import { ArchiveError } from '../errors.js';
import { entryNameProblem } from './safe-path.js';

export const FIXED_FILE_MODE = 0o100644;
export const DEFLATE_LEVEL = 6;

const DOS_TIME = 0; // 00:00:00
const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
const FLAG_UTF8_NAME = 0x0800;
const VERSION_MADE_BY = (3 << 8) | 45; // Unix, spec 4.5
const VERSION_NEEDED = 20;
const VERSION_NEEDED_ZIP64 = 45;
const METHOD_STORE = 0;
const METHOD_DEFLATE = 8;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
const FLUSH_BYTES = 1024 * 1024;

/**
 * Deflate settings, a function of the input size only (so output stays deterministic): a window
 * just big enough for the input (a smaller window cannot change what a small input compresses to,
 * and allocating zlib's full 32 KiB window and 16 KiB output chunk per small entry dominated the
 * time for 10,000 one-kilobyte entries).
 */
function deflateOptions(size: number): zlib.ZlibOptions {
  let windowBits = 9;
  while (windowBits < 15 && 1 << windowBits < size) windowBits += 1;
  return { level: DEFLATE_LEVEL, windowBits, chunkSize: Math.min(Math.max(size + 64, 64), 64 * 1024) };
}

/** The bytes add() writes for a non-empty entry: its raw deflate, as this writer makes it. */
export function deflateEntry(data: Buffer): Buffer {
  return zlib.deflateRawSync(data, deflateOptions(data.length));
}

/** Sort order of entries in every archive the tool writes: ascending by UTF-8 bytes of the name. */
export function compareEntryNames(a: string, b: string): number {
  // UTF-8 byte order is code point order. UTF-16 code unit order agrees except that surrogates
  // (D800–DFFF, i.e. code points above FFFF) must sort after E000–FFFF: shift them up. This avoids
  // encoding two Buffers per comparison (sorting 10,000 names did ~260,000 of them).
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
    if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

export interface WrittenEntry { name: string; size: number; sha256: string }
export interface WrittenZip { bytes: number; sha256: string; entries: WrittenEntry[] }

/** `name` is the caller's string (encoded again in finish()): no per-entry Buffer outlives add(). */
interface CentralRecord { name: string; method: number; crc: number; compressedSize: number; size: number; offset: number }

export class DeterministicZipWriter {
  private readonly destPath: string;
  private fd: number | undefined;
  private readonly fileHash = createHash('sha256');
  private readonly written: WrittenEntry[] = [];
  private readonly central: CentralRecord[] = [];
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private offset = 0;
  private lastName: Buffer | undefined;
  private state: 'open' | 'closed' = 'open';

  private constructor(destPath: string) {
    this.destPath = destPath;
    // 'wx': an existing file is never touched (throws EEXIST here), and abort() knows the file it
    // removes is its own.
    this.fd = openSync(destPath, 'wx', 0o600);
  }

  /**
   * Starts writing to destPath, which must not exist (callers pass a temp path and rename); throws
   * the file system's error (EEXIST, ENOENT…) at once otherwise.
   */
  static open(destPath: string): DeterministicZipWriter {
    return new DeterministicZipWriter(destPath);
  }

  /**
   * Adds one file entry. Names must be safe and strictly ascending (compareEntryNames). `deflated`:
   * deflateEntry(data) when the caller already has it (the import's part split sizes every entry
   * that way), so it is not deflated twice.
   */
  add(name: string, data: Buffer, deflated?: Buffer): void {
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
    if (data.length >= U32_MAX) throw new Error(`DeterministicZipWriter: entry ${JSON.stringify(name)} is too large`);
    this.lastName = nameBytes;

    const method = data.length === 0 ? METHOD_STORE : METHOD_DEFLATE;
    const body = method === METHOD_STORE ? data : (deflated ?? deflateEntry(data));
    if (body.length >= U32_MAX) throw new Error(`DeterministicZipWriter: entry ${JSON.stringify(name)} is too large`);
    const crc = zlib.crc32(data) >>> 0;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(VERSION_NEEDED, 4);
    local.writeUInt16LE(FLAG_UTF8_NAME, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);

    // The central record outlives the entry: it keeps the name as the caller's string, not as bytes.
    // A small Buffer.from() is a slice of a shared 8 KiB pool and would pin it (measured: ~40 MB for
    // a 10,000-job export), and an unpooled copy per entry still cost ~7 MB of peak RSS for
    // 30,000 entries (a Buffer, an ArrayBuffer and a native backing store each); the string is
    // shared with the caller's own records (changed for the export benchmark).
    this.central.push({ name, method, crc, compressedSize: body.length, size: data.length, offset: this.offset });
    this.emit(local);
    this.emit(nameBytes);
    this.emit(body);
    this.written.push({ name, size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
  }

  /** Ends the archive; comment must be printable ASCII (zip comments carry no charset flag). */
  async finish(comment?: string): Promise<WrittenZip> {
    if (this.state !== 'open') throw new Error('DeterministicZipWriter: finish() called twice or after abort()');
    try {
      if (comment !== undefined && (!/^[\x20-\x7e\n]*$/.test(comment) || comment.length > U16_MAX)) {
        throw new Error('DeterministicZipWriter: the zip comment must be printable ASCII, at most 65,535 characters');
      }
      const centralStart = this.offset;
      for (const record of this.central) this.emitCentralRecord(record);
      const centralSize = this.offset - centralStart;
      this.emitEnd(centralStart, centralSize, Buffer.from(comment ?? '', 'latin1'));
      this.flush();
      closeSync(this.fd!);
      this.fd = undefined;
      this.state = 'closed';
      return { bytes: this.offset, sha256: this.fileHash.digest('hex'), entries: this.written.slice() };
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  /** Stops writing and removes the partial file. Safe to call more than once. */
  async abort(): Promise<void> {
    this.state = 'closed';
    this.pending = [];
    if (this.fd !== undefined) {
      try { closeSync(this.fd); } catch { /* already unusable: removing it is what matters */ }
      this.fd = undefined;
      await rm(this.destPath, { force: true });
    }
  }

  private emitCentralRecord(r: CentralRecord): void {
    const zip64Offset = r.offset >= U32_MAX;
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(VERSION_MADE_BY, 4);
    header.writeUInt16LE(zip64Offset ? VERSION_NEEDED_ZIP64 : VERSION_NEEDED, 6);
    header.writeUInt16LE(FLAG_UTF8_NAME, 8);
    header.writeUInt16LE(r.method, 10);
    header.writeUInt16LE(DOS_TIME, 12);
    header.writeUInt16LE(DOS_DATE, 14);
    header.writeUInt32LE(r.crc, 16);
    header.writeUInt32LE(r.compressedSize, 20);
    header.writeUInt32LE(r.size, 24);
    const name = Buffer.from(r.name, 'utf8');
    header.writeUInt16LE(name.length, 28);
    header.writeUInt16LE(zip64Offset ? 12 : 0, 30); // extra field length
    // 32 comment length, 34 disk, 36 internal attributes: 0
    header.writeUInt32LE((FIXED_FILE_MODE << 16) >>> 0, 38);
    header.writeUInt32LE(zip64Offset ? U32_MAX : r.offset, 42);
    this.emit(header);
    this.emit(name);
    if (zip64Offset) {
      const extra = Buffer.alloc(12);
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(8, 2);
      extra.writeBigUInt64LE(BigInt(r.offset), 4);
      this.emit(extra);
    }
  }

  private emitEnd(centralStart: number, centralSize: number, comment: Buffer): void {
    const count = this.central.length;
    const needZip64 = count >= U16_MAX || centralStart >= U32_MAX || centralSize >= U32_MAX;
    if (needZip64) {
      const zip64EndOffset = this.offset;
      const record = Buffer.alloc(56);
      record.writeUInt32LE(0x06064b50, 0);
      record.writeBigUInt64LE(44n, 4); // size of the rest of the record
      record.writeUInt16LE(VERSION_MADE_BY, 12);
      record.writeUInt16LE(VERSION_NEEDED_ZIP64, 14);
      // 16 this disk, 20 disk with the central directory: 0
      record.writeBigUInt64LE(BigInt(count), 24);
      record.writeBigUInt64LE(BigInt(count), 32);
      record.writeBigUInt64LE(BigInt(centralSize), 40);
      record.writeBigUInt64LE(BigInt(centralStart), 48);
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(0x07064b50, 0);
      locator.writeBigUInt64LE(BigInt(zip64EndOffset), 8);
      locator.writeUInt32LE(1, 16); // total number of disks
      this.emit(record);
      this.emit(locator);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(needZip64 ? U16_MAX : count, 8);
    end.writeUInt16LE(needZip64 ? U16_MAX : count, 10);
    end.writeUInt32LE(needZip64 ? U32_MAX : centralSize, 12);
    end.writeUInt32LE(needZip64 ? U32_MAX : centralStart, 16);
    end.writeUInt16LE(comment.length, 20);
    this.emit(end);
    this.emit(comment);
  }

  private emit(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.offset += chunk.length;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  /** Writes the buffered output (synchronously: ≤ 1 MiB at a time, and add() stays synchronous). */
  private flush(): void {
    if (this.pendingBytes === 0 || this.fd === undefined) return;
    const block = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.fileHash.update(block);
    let done = 0;
    while (done < block.length) done += writeSync(this.fd, block, done, block.length - done);
  }
}
