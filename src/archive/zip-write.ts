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
import { CENTRAL_HEADER, END_OF_CENTRAL_DIRECTORY, LOCAL_HEADER, U16_MAX, U32_MAX, ZIP64_END_LOCATOR, ZIP64_END_OF_CENTRAL_DIRECTORY } from './zip-format.js';

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
/** `entries` is empty when the writer was opened with `entryDigests: false`. */
export interface WrittenZip { bytes: number; sha256: string; entries: WrittenEntry[] }

export interface WriterOptions {
  /**
   * Keep every entry's name, size and sha256 for finish() (default true). Callers that keep their
   * own per-entry records (the export merge) turn it off: a second record with a 64-character hex
   * digest per entry was ~3 MB of a 10,000-job night's peak, held to the end.
   */
  entryDigests?: boolean;
}

/** `name` is the caller's string (encoded again in finish()): no per-entry Buffer outlives add(). */
interface CentralRecord { name: string; method: number; crc: number; compressedSize: number; size: number; offset: number }

/** One central directory record at `at` of `block` (every byte written). */
function writeCentralRecord(block: Buffer, at: number, r: CentralRecord, shape: { nameLength: number; zip64Offset: boolean }): void {
  const { nameLength, zip64Offset } = shape;
  block.writeUInt32LE(CENTRAL_HEADER.signature, at);
  block.writeUInt16LE(VERSION_MADE_BY, at + 4);
  block.writeUInt16LE(zip64Offset ? VERSION_NEEDED_ZIP64 : VERSION_NEEDED, at + 6);
  block.writeUInt16LE(FLAG_UTF8_NAME, at + 8);
  block.writeUInt16LE(r.method, at + 10);
  block.writeUInt16LE(DOS_TIME, at + 12);
  block.writeUInt16LE(DOS_DATE, at + 14);
  block.writeUInt32LE(r.crc, at + 16);
  block.writeUInt32LE(r.compressedSize, at + 20);
  block.writeUInt32LE(r.size, at + 24);
  block.writeUInt16LE(nameLength, at + 28);
  block.writeUInt16LE(zip64Offset ? 12 : 0, at + 30); // extra field length
  block.writeUInt32LE(0, at + 32); // comment length, disk
  block.writeUInt16LE(0, at + 36); // internal attributes
  block.writeUInt32LE((FIXED_FILE_MODE << 16) >>> 0, at + 38);
  block.writeUInt32LE(zip64Offset ? U32_MAX : r.offset, at + 42);
  writeName(block, at + CENTRAL_HEADER.bytes, r.name, nameLength);
  if (zip64Offset) {
    const extra = at + CENTRAL_HEADER.bytes + nameLength;
    block.writeUInt16LE(0x0001, extra);
    block.writeUInt16LE(8, extra + 2);
    block.writeBigUInt64LE(BigInt(r.offset), extra + 4);
  }
}

/** The name's UTF-8 bytes at `at`: an ASCII name (the usual case) byte by byte, without a call into C++. */
function writeName(block: Buffer, at: number, name: string, byteLength: number): void {
  if (byteLength !== name.length) {
    block.write(name, at, byteLength, 'utf8');
    return;
  }
  for (let i = 0; i < byteLength; i++) block[at + i] = name.charCodeAt(i);
}

export class DeterministicZipWriter {
  private readonly destPath: string;
  private fd: number | undefined;
  private readonly fileHash = createHash('sha256');
  private readonly written: WrittenEntry[] = [];
  private readonly central: CentralRecord[] = [];
  /**
   * The output block, reused: every byte goes through it and it is written whenever it fills, so
   * writing allocates nothing per entry or per flush (small Buffers per entry and a 1 MiB copy per
   * flush were garbage that built up to a large part of a 10,000-job night's peak RSS).
   */
  private block: Buffer | undefined = Buffer.allocUnsafeSlow(FLUSH_BYTES);
  private used = 0;
  private offset = 0;
  private lastName: string | undefined;
  private state: 'open' | 'closed' = 'open';
  private readonly entryDigests: boolean;

  private constructor(destPath: string, options: WriterOptions) {
    this.destPath = destPath;
    this.entryDigests = options.entryDigests ?? true;
    // 'wx': an existing file is never touched (throws EEXIST here), and abort() knows the file it
    // removes is its own.
    this.fd = openSync(destPath, 'wx', 0o600);
  }

  /**
   * Starts writing to destPath, which must not exist (callers pass a temp path and rename); throws
   * the file system's error (EEXIST, ENOENT…) at once otherwise.
   */
  static open(destPath: string, options: WriterOptions = {}): DeterministicZipWriter {
    return new DeterministicZipWriter(destPath, options);
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
    // compareEntryNames is the UTF-8 byte order, without encoding the names.
    if (this.lastName !== undefined && compareEntryNames(this.lastName, name) >= 0) {
      throw new Error(`DeterministicZipWriter: entries must be added in ascending order; ${JSON.stringify(name)} came after ${JSON.stringify(this.lastName)}`);
    }
    if (data.length >= U32_MAX) throw new Error(`DeterministicZipWriter: entry ${JSON.stringify(name)} is too large`);
    this.lastName = name;
    const nameLength = Buffer.byteLength(name, 'utf8');

    const method = data.length === 0 ? METHOD_STORE : METHOD_DEFLATE;
    const body = method === METHOD_STORE ? data : (deflated ?? deflateEntry(data));
    if (body.length >= U32_MAX) throw new Error(`DeterministicZipWriter: entry ${JSON.stringify(name)} is too large`);
    const crc = zlib.crc32(data) >>> 0;

    // The local header and name go straight into the output block (see `block`).
    const local = this.reserve(LOCAL_HEADER.bytes + nameLength);
    const at = this.used;
    local.writeUInt32LE(LOCAL_HEADER.signature, at);
    local.writeUInt16LE(VERSION_NEEDED, at + 4);
    local.writeUInt16LE(FLAG_UTF8_NAME, at + 6);
    local.writeUInt16LE(method, at + 8);
    local.writeUInt16LE(DOS_TIME, at + 10);
    local.writeUInt16LE(DOS_DATE, at + 12);
    local.writeUInt32LE(crc, at + 14);
    local.writeUInt32LE(body.length, at + 18);
    local.writeUInt32LE(data.length, at + 22);
    local.writeUInt16LE(nameLength, at + 26);
    local.writeUInt16LE(0, at + 28);
    writeName(local, at + LOCAL_HEADER.bytes, name, nameLength);

    // The central record outlives the entry: it keeps the name as the caller's string, not as bytes.
    // A small Buffer.from() is a slice of a shared 8 KiB pool and would pin it (measured: ~40 MB for
    // a 10,000-job export), and an unpooled copy per entry still cost ~7 MB of peak RSS for
    // 30,000 entries (a Buffer, an ArrayBuffer and a native backing store each); the string is
    // shared with the caller's own records (changed for the export benchmark).
    this.central.push({ name, method, crc, compressedSize: body.length, size: data.length, offset: this.offset });
    this.advance(LOCAL_HEADER.bytes + nameLength);
    this.emit(body);
    if (this.entryDigests) this.written.push({ name, size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
  }

  /** Ends the archive; comment must be printable ASCII (zip comments carry no charset flag). */
  async finish(comment?: string): Promise<WrittenZip> {
    if (this.state !== 'open') throw new Error('DeterministicZipWriter: finish() called twice or after abort()');
    try {
      if (comment !== undefined && (!/^[\x20-\x7e\n]*$/.test(comment) || comment.length > U16_MAX)) {
        throw new Error('DeterministicZipWriter: the zip comment must be printable ASCII, at most 65,535 characters');
      }
      const centralStart = this.offset;
      this.emitCentralDirectory();
      const centralSize = this.offset - centralStart;
      this.emitEnd(centralStart, centralSize, Buffer.from(comment ?? '', 'latin1'));
      this.flush();
      closeSync(this.fd!);
      this.fd = undefined;
      this.state = 'closed';
      this.block = undefined;
      return { bytes: this.offset, sha256: this.fileHash.digest('hex'), entries: this.written.slice() };
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  /** Stops writing and removes the partial file. Safe to call more than once. */
  async abort(): Promise<void> {
    this.state = 'closed';
    this.block = undefined;
    this.used = 0;
    if (this.fd !== undefined) {
      try { closeSync(this.fd); } catch { /* already unusable: removing it is what matters */ }
      this.fd = undefined;
      await rm(this.destPath, { force: true });
    }
  }

  /** The central directory, each record written straight into the output block. */
  private emitCentralDirectory(): void {
    for (const r of this.central) {
      const zip64Offset = r.offset >= U32_MAX;
      const nameLength = Buffer.byteLength(r.name, 'utf8');
      const size = CENTRAL_HEADER.bytes + nameLength + (zip64Offset ? 12 : 0);
      writeCentralRecord(this.reserve(size), this.used, r, { nameLength, zip64Offset });
      this.advance(size);
    }
  }

  private emitEnd(centralStart: number, centralSize: number, comment: Buffer): void {
    const count = this.central.length;
    const needZip64 = count >= U16_MAX || centralStart >= U32_MAX || centralSize >= U32_MAX;
    if (needZip64) {
      const zip64EndOffset = this.offset;
      const record = Buffer.alloc(ZIP64_END_OF_CENTRAL_DIRECTORY.bytes);
      record.writeUInt32LE(ZIP64_END_OF_CENTRAL_DIRECTORY.signature, 0);
      record.writeBigUInt64LE(44n, 4); // size of the rest of the record
      record.writeUInt16LE(VERSION_MADE_BY, 12);
      record.writeUInt16LE(VERSION_NEEDED_ZIP64, 14);
      // 16 this disk, 20 disk with the central directory: 0
      record.writeBigUInt64LE(BigInt(count), 24);
      record.writeBigUInt64LE(BigInt(count), 32);
      record.writeBigUInt64LE(BigInt(centralSize), 40);
      record.writeBigUInt64LE(BigInt(centralStart), 48);
      const locator = Buffer.alloc(ZIP64_END_LOCATOR.bytes);
      locator.writeUInt32LE(ZIP64_END_LOCATOR.signature, 0);
      locator.writeBigUInt64LE(BigInt(zip64EndOffset), 8);
      locator.writeUInt32LE(1, 16); // total number of disks
      this.emit(record);
      this.emit(locator);
    }
    const end = Buffer.alloc(END_OF_CENTRAL_DIRECTORY.bytes);
    end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY.signature, 0);
    end.writeUInt16LE(needZip64 ? U16_MAX : count, 8);
    end.writeUInt16LE(needZip64 ? U16_MAX : count, 10);
    end.writeUInt32LE(needZip64 ? U32_MAX : centralSize, 12);
    end.writeUInt32LE(needZip64 ? U32_MAX : centralStart, 16);
    end.writeUInt16LE(comment.length, 20);
    this.emit(end);
    this.emit(comment);
  }

  /** The output block with at least `size` bytes free at `this.used` (written out first if needed). */
  private reserve(size: number): Buffer {
    if (this.block === undefined) throw new Error('DeterministicZipWriter: written after finish() or abort()');
    if (FLUSH_BYTES - this.used < size) this.flush();
    if (size > FLUSH_BYTES) throw new Error(`internal: a ${size}-byte record does not fit the output block`);
    return this.block;
  }

  /** `size` bytes were written into the block at `this.used`. */
  private advance(size: number): void {
    this.used += size;
    this.offset += size;
  }

  /** Copies `chunk` into the block, writing each full block out. */
  private emit(chunk: Buffer): void {
    for (let from = 0; from < chunk.length; ) {
      const block = this.reserve(1);
      const n = Math.min(chunk.length - from, FLUSH_BYTES - this.used);
      chunk.copy(block, this.used, from, from + n);
      this.advance(n);
      from += n;
    }
  }

  /** Writes the block's content (synchronously, so the block is free again on return; add() stays synchronous). */
  private flush(): void {
    if (this.used === 0 || this.fd === undefined || this.block === undefined) return;
    const view = this.block.subarray(0, this.used);
    this.used = 0;
    this.fileHash.update(view);
    let done = 0;
    while (done < view.length) done += writeSync(this.fd, view, done, view.length - done);
  }
}
