/**
 * Hostile-safe reader of a zip file on disk (yauzl, lazy entries). Nothing in the zip's headers is
 * trusted: sizes, ratio and CRC are checked while inflating and reading stops at the first cap.
 *
 * Entry-level problems (unsafe or duplicate names, symlinks, encryption, unsupported methods) are
 * collected so the user sees all of them at once; problems that make the rest of the file
 * unreadable or that are caps (not a zip, truncated, corrupt data, CRC, size or bomb) stop at once.
 * Either way the result is one ArchiveError (exit 4) whose refusals name each entry and reason.
 */
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type * as YauzlTypes from 'yauzl';
import { ArchiveError, LocalFileError, type Refusal } from '../errors.js';
import { RATIO_CHECK_MIN_BYTES, type ArchiveLimits } from './limits.js';
import { entryNameProblem } from './safe-path.js';
import { centralDirectoryOf, type CentralEntry } from './central-directory.js';
import { LOCAL_HEADER } from './zip-format.js';
import { nextTurn } from '../util/steps.js';

// yauzl is CommonJS and costs ~50 ms to load: load it only when an archive is read.
const requireCjs = createRequire(import.meta.url);

export interface ZipEntryData { name: string; data: Buffer }

/** How to read (not what to accept): tests use it to force the streaming path. */
export interface ZipReadOptions {
  /** Zip files up to this many bytes are read into memory whole; default 64 MiB. */
  inMemoryMaxBytes?: number;
}

/** Every file entry of the zip (directories skipped), in central-directory order. */
export async function readZipEntries(zipPath: string, limits: ArchiveLimits, options: ZipReadOptions = {}): Promise<ZipEntryData[]> {
  const entries: ZipEntryData[] = [];
  await forEachZipEntry(zipPath, limits, (name, data) => {
    entries.push({ name, data });
  }, options);
  return entries;
}

/**
 * Same checks as readZipEntries, handing over one entry at a time. onEntry is called only while no
 * problem has been found; after the first refusal the rest is still checked (to report every
 * problem) but no longer handed over, and the call ends in an ArchiveError.
 */
export async function forEachZipEntry(
  zipPath: string,
  limits: ArchiveLimits,
  onEntry: (name: string, data: Buffer) => Promise<void> | void,
  options: ZipReadOptions = {},
): Promise<void> {
  const refusals: Refusal[] = [];
  const fail = (subject: string, reason: string): never => {
    refusals.push({ subject, reason });
    throw archiveRefused(zipPath, refusals);
  };

  // A path that cannot be read at all is a local-file problem (exit 7), not an unsafe archive.
  const info = await stat(zipPath).catch((err: unknown) => { throw LocalFileError.from(err, 'read', zipPath); });
  if (!info.isFile()) fail(zipPath, 'not a regular file');
  if (info.size > limits.maxZipBytes) {
    fail(zipPath, `archive is ${info.size} bytes, over the ${limits.maxZipBytes}-byte limit`);
  }

  const yauzl = requireCjs('yauzl') as typeof YauzlTypes;
  // Archives up to IN_MEMORY_MAX_BYTES (every import archive) are read into memory once: per-entry
  // file reads and per-entry inflate streams go through libuv's thread pool and dominated the
  // time on a busy machine. Bigger ones (service batch exports) are read through the file.
  const whole = info.size <= (options.inMemoryMaxBytes ?? IN_MEMORY_MAX_BYTES)
    ? await readFile(zipPath).catch((err: unknown) => { throw LocalFileError.from(err, 'read', zipPath); })
    : undefined;
  const zipfile = await openZip(yauzl, zipPath, whole).catch((err: Error) => fail(zipPath, `not a readable zip file: ${err.message}`));
  // yauzl emits 'error' on the ZipFile; an unhandled 'error' event would crash the process.
  let zipError: Error | undefined;
  zipfile.on('error', (err: Error) => {
    zipError ??= err;
  });

  try {
    if (zipfile.entryCount > limits.maxEntries) {
      fail(zipPath, `archive has ${zipfile.entryCount} entries, over the limit of ${limits.maxEntries}`);
    }
    const headers = new EntryHeaders();
    let fileCount = 0;
    let unpackedTotal = 0;
    let entryIndex = 0;
    for (;;) {
      const entry = await nextEntry(zipfile, () => zipError).catch((err: Error) =>
        fail(entryIndex === 0 ? zipPath : `${zipPath} (entry #${entryIndex + 1})`, `corrupt zip: ${err.message}`));
      if (entry === null) break;
      entryIndex += 1;
      if (entryIndex > limits.maxEntries) fail(zipPath, `more than ${limits.maxEntries} entries`);

      const name = decodeEntryName(entry.fileNameRaw);
      const problem = headers.problemOf(name, entry);
      if (problem !== undefined) {
        refusals.push({ subject: name.text, reason: problem });
        continue;
      }
      if (name.text.endsWith('/')) continue; // directories carry no data

      fileCount += 1;
      if (entry.uncompressedSize > limits.maxEntryBytes) {
        fail(name.text, `entry declares ${entry.uncompressedSize} bytes, over the per-entry limit of ${limits.maxEntryBytes}`);
      }
      const read = whole !== undefined && entry.compressedSize <= SYNC_INFLATE_MAX_BYTES
        ? inflateInMemory(whole, entry, { limits, unpackedSoFar: unpackedTotal })
        : inflateEntry(zipfile, entry, { limits, unpackedSoFar: unpackedTotal }, () => zipError);
      const data = await read.catch((err: unknown) => {
        if (err instanceof EntryProblem) return fail(name.text, err.message);
        return fail(name.text, `corrupt zip: ${(err as Error).message}`);
      });
      unpackedTotal += data.length;
      if (refusals.length === 0) await onEntry(name.text, data);
      // Inflating in memory never waits on I/O: let timers and sockets run now and then.
      if (entryIndex % ENTRIES_PER_STEP === 0) await nextTurn();
    }
    if (fileCount === 0 && refusals.length === 0) fail(zipPath, 'empty archive: no file entries');
    if (refusals.length > 0) throw archiveRefused(zipPath, refusals);
  } finally {
    zipfile.close();
  }
}

/**
 * What the central directory alone tells of each entry, in order: a name that is valid UTF-8 and
 * safe, a plain file or directory we can read, and no duplicate (exact, or when case is ignored).
 */
class EntryHeaders {
  private readonly seenExact = new Set<string>();
  private readonly seenFolded = new Map<string, string>();

  problemOf(name: { text: string; valid: boolean }, entry: EntryKind): string | undefined {
    const nameProblem = name.valid ? entryNameProblem(name.text) : 'entry name is not valid UTF-8';
    if (nameProblem !== undefined) return nameProblem;
    const kindProblem = entryKindProblem(entry);
    if (kindProblem !== undefined) return kindProblem;
    if (this.seenExact.has(name.text)) return 'duplicate entry name';
    const folded = name.text.normalize('NFC').toLowerCase();
    const foldedTwin = this.seenFolded.get(folded);
    // Refused so that extracting on a case-insensitive file system can never overwrite (inferred).
    if (foldedTwin !== undefined) return `duplicate of ${JSON.stringify(foldedTwin)} when case is ignored`;
    this.seenExact.add(name.text);
    this.seenFolded.set(folded, name.text);
    return undefined;
  }
}

/**
 * The entry names of a zip whose central directory passes every check that needs no inflating
 * (entry count, names, kinds, duplicates, declared sizes and ratios within the limits); undefined
 * for anything else, including a file that cannot be read: the full read (forEachZipEntry) is
 * what judges and reports. Reads only the central directory, not the entries' data, so an import
 * can start reading the workspace while the entries are still being inflated and checked.
 */
export async function zipEntryNamesIfPlausible(zipPath: string, limits: ArchiveLimits): Promise<string[] | undefined> {
  const info = await stat(zipPath).catch(() => undefined);
  if (!info?.isFile() || info.size > limits.maxZipBytes) return undefined;
  const whole = await readFile(zipPath).catch(() => undefined);
  const entries = whole && centralDirectoryOf(whole);
  if (!entries || entries.length > limits.maxEntries) return undefined;
  const headers = new EntryHeaders();
  const names: string[] = [];
  let declared = 0;
  for (const entry of entries) {
    const name = decodeEntryName(entry.nameRaw);
    if (headers.problemOf(name, entry) !== undefined) return undefined;
    if (name.text.endsWith('/')) continue;
    declared += entry.uncompressedSize;
    const ratioCap = Math.max(RATIO_CHECK_MIN_BYTES, Math.max(entry.compressedSize, 1) * limits.maxCompressionRatio);
    if (entry.uncompressedSize > Math.min(limits.maxEntryBytes, ratioCap) || declared > limits.maxUnpackedBytes) return undefined;
    names.push(name.text);
  }
  return names.length > 0 ? names : undefined;
}

/** A problem found while inflating one entry (mapped to a refusal by the caller). */
class EntryProblem extends Error {}

function archiveRefused(zipPath: string, refusals: Refusal[]): ArchiveError {
  const shown = refusals.slice(0, 10).map((r) => `${r.subject}: ${r.reason}`).join('; ');
  const more = refusals.length > 10 ? `; and ${refusals.length - 10} more` : '';
  return new ArchiveError(`archive ${zipPath} refused (${refusals.length} problem${refusals.length === 1 ? '' : 's'}): ${shown}${more}`, refusals.slice(), {
    hint: 'fix or re-create the archive; nothing was imported or changed',
  });
}

/** Entries inflated between two yields to the event loop (an import reads the workspace meanwhile). */
const ENTRIES_PER_STEP = 64;

/** Zip files up to this size are read into memory whole by default (the import cap is 10 MiB). */
const IN_MEMORY_MAX_BYTES = 64 * 1024 * 1024;
/** Entries whose compressed data is at most this size are inflated in one synchronous call. */
const SYNC_INFLATE_MAX_BYTES = 8 * 1024 * 1024;

function openZip(yauzl: typeof YauzlTypes, zipPath: string, whole: Buffer | undefined): Promise<YauzlTypes.ZipFile> {
  // decodeStrings off: names are decoded and judged here, so every unsafe name is reported by
  // name instead of yauzl stopping at the first one. validateEntrySizes on: lying sizes fail.
  const options = { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: true };
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, zipfile: YauzlTypes.ZipFile) => (err ? reject(err) : resolve(zipfile));
    if (whole !== undefined) yauzl.fromBuffer(whole, options, done);
    else yauzl.open(zipPath, options, done);
  });
}

/** The caps an entry is inflated under, and how much the archive has already unpacked. */
interface InflateBudget {
  limits: ArchiveLimits;
  unpackedSoFar: number;
}

const { signature: LOCAL_HEADER_SIGNATURE, bytes: LOCAL_HEADER_BYTES } = LOCAL_HEADER;

/**
 * Where an entry's data starts, read from the local header in the buffer itself: the same checks
 * as yauzl's readLocalFileHeader (signature, bounds) without one asynchronous call per entry,
 * which left the thread idle for a third of an import's preparation.
 */
function localDataStart(whole: Buffer, entry: YauzlTypes.Entry): number {
  const at = entry.relativeOffsetOfLocalHeader;
  if (at + LOCAL_HEADER_BYTES > whole.length) throw new EntryProblem(`local file header overflows the file bounds (${at + LOCAL_HEADER_BYTES} > ${whole.length})`);
  const signature = whole.readUInt32LE(at);
  if (signature !== LOCAL_HEADER_SIGNATURE) throw new EntryProblem(`invalid local file header signature: 0x${signature.toString(16)}`);
  return at + LOCAL_HEADER_BYTES + whole.readUInt16LE(at + 26) + whole.readUInt16LE(at + 28);
}

/**
 * The in-memory path: the compressed bytes are a view of the zip buffer and are inflated in one
 * synchronous call whose output is capped (maxOutputLength), so a bomb stops at the cap here too.
 */
async function inflateInMemory(
  whole: Buffer,
  entry: YauzlTypes.Entry,
  budget: InflateBudget,
): Promise<Buffer> {
  const { limits, unpackedSoFar } = budget;
  const start = localDataStart(whole, entry);
  const end = start + entry.compressedSize;
  if (end > whole.length) throw new EntryProblem(`file data overflows the file bounds (${end} > ${whole.length})`);
  const raw = whole.subarray(start, end);
  const entryCap = limits.maxEntryBytes;
  const totalCap = limits.maxUnpackedBytes - unpackedSoFar;
  const ratioCap = Math.max(RATIO_CHECK_MIN_BYTES, Math.max(entry.compressedSize, 1) * limits.maxCompressionRatio);
  const cap = Math.min(entryCap, totalCap, ratioCap);
  let data: Buffer | undefined;
  if (entry.compressionMethod === 0) data = raw;
  else {
    try {
      // The declared size only sizes the output buffer; the cap is what bounds it.
      const chunkSize = Math.max(64, Math.min(entry.uncompressedSize + 1, cap + 1, 1024 * 1024));
      data = zlib.inflateRawSync(raw, { maxOutputLength: cap + 1, chunkSize });
    } catch (err) {
      // ERR_BUFFER_TOO_LARGE: inflation stopped at the cap (data stays undefined).
      if ((err as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') throw new EntryProblem(`corrupt data: ${(err as Error).message}`);
    }
  }
  if (data === undefined || data.length > cap) {
    if (cap === entryCap) throw new EntryProblem(`inflates to more than the per-entry limit of ${limits.maxEntryBytes} bytes`);
    if (cap === totalCap) throw new EntryProblem(`archive inflates to more than the limit of ${limits.maxUnpackedBytes} bytes in total`);
    throw new EntryProblem(`compression ratio over ${limits.maxCompressionRatio}:1 (zip bomb?)`);
  }
  if (data.length !== entry.uncompressedSize) {
    throw new EntryProblem(`real size differs from the size in the header (header ${entry.uncompressedSize}, data ${data.length})`);
  }
  const crc = zlib.crc32(data);
  if ((crc >>> 0) !== (entry.crc32 >>> 0)) {
    throw new EntryProblem(`CRC mismatch (header ${hex(entry.crc32)}, data ${hex(crc)})`);
  }
  return data;
}

function nextEntry(zipfile: YauzlTypes.ZipFile, pendingError: () => Error | undefined): Promise<YauzlTypes.Entry | null> {
  return new Promise((resolve, reject) => {
    const already = pendingError();
    if (already) return reject(already);
    const cleanup = () => {
      zipfile.off('entry', onEntry);
      zipfile.off('end', onEnd);
      zipfile.off('error', onError);
    };
    const onEntry = (entry: YauzlTypes.Entry) => { cleanup(); resolve(entry); };
    const onEnd = () => { cleanup(); resolve(null); };
    const onError = (err: Error) => { cleanup(); reject(err); };
    zipfile.on('entry', onEntry);
    zipfile.on('end', onEnd);
    zipfile.on('error', onError);
    zipfile.readEntry();
  });
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Names are read as UTF-8 whatever the zip's language flag says, as the JDK's ZipInputStream does
 * by default (inferred): a name that is not valid UTF-8 is refused rather than guessed as CP437.
 */
function decodeEntryName(raw: Buffer | string): { text: string; valid: boolean } {
  if (typeof raw === 'string') return { text: raw, valid: true };
  try {
    return { text: strictUtf8.decode(raw), valid: true };
  } catch {
    return { text: raw.toString('utf8'), valid: false };
  }
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/** What an entry's kind is judged on (a yauzl entry, or a record of centralDirectoryOf). */
type EntryKind = Pick<CentralEntry, 'externalFileAttributes' | 'compressionMethod' | 'isEncrypted'>;

/** Why an entry is not a plain file or directory we can read, or undefined. */
function entryKindProblem(entry: EntryKind): string | undefined {
  const fileType = (entry.externalFileAttributes >>> 16) & S_IFMT;
  if (fileType === S_IFLNK) return 'symbolic link entry';
  if (fileType !== 0 && fileType !== S_IFREG && fileType !== S_IFDIR) {
    return `not a regular file (type ${fileType.toString(8)})`;
  }
  if (entry.isEncrypted()) return 'encrypted entry';
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    return `unsupported compression method ${entry.compressionMethod}`;
  }
  return undefined;
}

function openReadStream(zipfile: YauzlTypes.ZipFile, entry: YauzlTypes.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zipfile.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream)));
  });
}

/**
 * Inflates one entry, counting bytes as they come and stopping at the first cap; checks the CRC
 * (yauzl does not) and, through yauzl's validateEntrySizes, that the real size matches the header.
 */
async function inflateEntry(
  zipfile: YauzlTypes.ZipFile,
  entry: YauzlTypes.Entry,
  budget: InflateBudget,
  pendingError: () => Error | undefined,
): Promise<Buffer> {
  const { limits, unpackedSoFar } = budget;
  const stream = await openReadStream(zipfile, entry);
  const chunks: Buffer[] = [];
  let size = 0;
  let crc = 0;
  const ratioCap = Math.max(entry.compressedSize, 1) * limits.maxCompressionRatio;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limits.maxEntryBytes) {
        throw new EntryProblem(`inflates to more than the per-entry limit of ${limits.maxEntryBytes} bytes`);
      }
      if (unpackedSoFar + size > limits.maxUnpackedBytes) {
        throw new EntryProblem(`archive inflates to more than the limit of ${limits.maxUnpackedBytes} bytes in total`);
      }
      if (size > RATIO_CHECK_MIN_BYTES && size > ratioCap) {
        throw new EntryProblem(`compression ratio over ${limits.maxCompressionRatio}:1 (zip bomb?)`);
      }
      crc = zlib.crc32(chunk, crc);
      chunks.push(chunk);
    }
  } catch (err) {
    stream.destroy();
    if (err instanceof EntryProblem) throw err;
    const message = (err as Error).message;
    if (/too many bytes|not enough bytes/.test(message)) {
      throw new EntryProblem(`real size differs from the size in the header (${message})`);
    }
    throw new EntryProblem(`corrupt data: ${message}`);
  }
  const late = pendingError();
  if (late) throw new EntryProblem(`corrupt zip: ${late.message}`);
  if (size !== entry.uncompressedSize) {
    throw new EntryProblem(`real size ${size} differs from the header's ${entry.uncompressedSize}`);
  }
  if ((crc >>> 0) !== (entry.crc32 >>> 0)) {
    throw new EntryProblem(`CRC mismatch (header ${hex(entry.crc32)}, data ${hex(crc)})`);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

function hex(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
