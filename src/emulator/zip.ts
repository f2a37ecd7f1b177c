/** Zips as the service makes and reads them: export archives are built here; staged imports are read from memory (yauzl reads anything that is not a plain zip). */
import yauzl from 'yauzl';
import zlib from 'node:zlib';

/**
 * Fixed entry time (2024-01-01 00:00, DOS format) so the same workspace exports to the same bytes
 * whatever the time zone.
 */
const DOS_DATE = ((2024 - 1980) << 9) | (1 << 5) | 1;
const DOS_TIME = 0;
const UTF8_FLAG = 0x0800;

/**
 * Build a zip of the given entries (name → text), in the given order: STORED entries with sizes and
 * CRC in the local headers (no data descriptors, so the JDK's ZipInputStream reads it).
 *
 * Written by hand rather than with yazl, and stored rather than deflated, for speed: yazl costs
 * ~0.3-0.5 ms per entry (a setImmediate per entry and a JS CRC) and a synchronous deflate ~0.15 ms
 * per small entry, i.e. 30-150 ms for a 100-job batch; this takes ~2 ms, which the export
 * benchmark (10 batch exports/s against a 10,000-job workspace) needs. (inferred: the real service
 * probably deflates; clients must accept both methods anyway.)
 */
export function buildZip(entries: Iterable<[string, string]>): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  let count = 0;
  for (const [name, text] of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const data = Buffer.from(text, 'utf8');
    const crc = zlib.crc32(data);
    const size = data.length;
    const packed = data;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(10, 4); // version needed: 1.0 (stored)
    local.writeUInt16LE(UTF8_FLAG, 6);
    local.writeUInt16LE(0, 8); // method: stored
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE((3 << 8) | 20, 4); // made by: unix, 2.0
    cd.writeUInt16LE(10, 6);
    cd.writeUInt16LE(UTF8_FLAG, 8);
    cd.writeUInt16LE(0, 10); // method: stored
    cd.writeUInt16LE(DOS_TIME, 12);
    cd.writeUInt16LE(DOS_DATE, 14);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(packed.length, 20);
    cd.writeUInt32LE(size, 24);
    cd.writeUInt16LE(nameBytes.length, 28);
    cd.writeUInt32LE((0o100644 << 16) >>> 0, 38); // regular file, rw-r--r--
    cd.writeUInt32LE(offset, 42);
    parts.push(local, nameBytes, packed);
    central.push(cd, nameBytes);
    offset += 30 + nameBytes.length + packed.length;
    count += 1;
  }
  const cdSize = central.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...central, end]);
}

export class ZipTooLargeError extends Error {}
export class ZipUnreadableError extends Error {}

/**
 * Read every file entry of a zip held in memory, refusing more than `maxUnpacked` bytes in total.
 * yauzl reads the central directory; each entry's bytes are then taken from the buffer and inflated
 * at once (CRC and size checked), not through one read stream per entry: with streams a 2,500-job
 * part (7,000 entries) kept the emulator's check-file and import calls busy for ~2.5 s each,
 * service time no real service is known to take, which the import benchmark counted as the client's.
 */
export async function readZip(data: Buffer, maxUnpacked: number): Promise<Map<string, Buffer>> {
  // A plain zip (no zip64, no encryption, every name a plain relative path) is read by walking its
  // central directory here; anything else goes through yauzl, which says what is wrong with it.
  const plain = plainEntries(data);
  if (plain) {
    const files = new Map<string, Buffer>();
    let total = 0;
    for (const entry of plain) {
      if (entry.fileName.endsWith('/')) continue;
      total += entry.uncompressedSize;
      if (total > maxUnpacked) throw new ZipTooLargeError(`unpacked size over ${maxUnpacked} bytes`);
      files.set(entry.fileName, entryData(data, entry));
    }
    return files;
  }
  return readZipWithYauzl(data, maxUnpacked);
}

type EntryFields = Pick<yauzl.Entry, 'fileName' | 'relativeOffsetOfLocalHeader' | 'compressedSize' | 'uncompressedSize' | 'compressionMethod' | 'crc32'>;

/**
 * The central directory's entries when the zip is plain: one end record at the very end (no
 * comment trick, no zip64 sentinel), records that fit, UTF-8 (flagged) or ASCII names without `\`, a
 * leading `/`, a drive letter or a `..` segment, nothing encrypted. Undefined otherwise.
 */
function plainEntries(data: Buffer): EntryFields[] | undefined {
  const endAt = data.lastIndexOf(EOCD_SIGNATURE);
  if (endAt < 0 || endAt + 22 > data.length || endAt + 22 + data.readUInt16LE(endAt + 20) !== data.length) return undefined;
  const count = data.readUInt16LE(endAt + 10);
  const size = data.readUInt32LE(endAt + 12);
  let at = data.readUInt32LE(endAt + 16);
  if (count === 0xffff || size === 0xffffffff || at === 0xffffffff || at + size > endAt) return undefined;
  const out: EntryFields[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 46 > endAt || data.readUInt32LE(at) !== 0x02014b50) return undefined;
    const flags = data.readUInt16LE(at + 8);
    const nameLength = data.readUInt16LE(at + 28);
    const next = at + 46 + nameLength + data.readUInt16LE(at + 30) + data.readUInt16LE(at + 32);
    const compressedSize = data.readUInt32LE(at + 20);
    const uncompressedSize = data.readUInt32LE(at + 24);
    const relativeOffsetOfLocalHeader = data.readUInt32LE(at + 42);
    if ((flags & 0x1) !== 0 || next > endAt || compressedSize === 0xffffffff || uncompressedSize === 0xffffffff || relativeOffsetOfLocalHeader === 0xffffffff) return undefined;
    // Without the UTF-8 flag (bit 11) a name is CP437, as yauzl decodes it: only ASCII reads the same.
    if ((flags & 0x800) === 0 && data.subarray(at + 46, at + 46 + nameLength).some((b) => b >= 0x80)) return undefined;
    const fileName = data.toString('utf8', at + 46, at + 46 + nameLength);
    if (fileName === '' || fileName.includes('\\') || fileName.includes('\uFFFD') || /^\/|^[a-zA-Z]:|(^|\/)\.\.(\/|$)/.test(fileName)) return undefined;
    out.push({ fileName, relativeOffsetOfLocalHeader, compressedSize, uncompressedSize, compressionMethod: data.readUInt16LE(at + 10), crc32: data.readUInt32LE(at + 16) });
    at = next;
  }
  return out;
}

const EOCD_SIGNATURE = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

async function readZipWithYauzl(data: Buffer, maxUnpacked: number): Promise<Map<string, Buffer>> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(data, { lazyEntries: true, strictFileNames: true });
  } catch (err) {
    throw new ZipUnreadableError(err instanceof Error ? err.message : String(err));
  }
  const files = new Map<string, Buffer>();
  let total = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith('/')) continue;
      total += entry.uncompressedSize;
      if (total > maxUnpacked) throw new ZipTooLargeError(`unpacked size over ${maxUnpacked} bytes`);
      files.set(entry.fileName, entryData(data, entry));
    }
  } catch (err) {
    if (err instanceof ZipTooLargeError || err instanceof ZipUnreadableError) throw err;
    throw new ZipUnreadableError(err instanceof Error ? err.message : String(err));
  } finally {
    zip.close();
  }
  return files;
}

/** One entry's bytes: its local header read from the buffer, stored or deflated, size and CRC checked. */
function entryData(data: Buffer, entry: EntryFields): Buffer {
  const at = entry.relativeOffsetOfLocalHeader;
  if (at + 30 > data.length || data.readUInt32LE(at) !== 0x04034b50) throw new ZipUnreadableError(`${entry.fileName}: no local header`);
  const start = at + 30 + data.readUInt16LE(at + 26) + data.readUInt16LE(at + 28);
  const packed = data.subarray(start, start + entry.compressedSize);
  if (packed.length !== entry.compressedSize) throw new ZipUnreadableError(`${entry.fileName}: truncated`);
  let out: Buffer;
  if (entry.compressionMethod === 0) out = packed;
  else if (entry.compressionMethod === 8) {
    try {
      // An output chunk of the declared size: the default 16 KiB chunk per small entry was most of the time.
      out = zlib.inflateRawSync(packed, { maxOutputLength: Math.max(1, entry.uncompressedSize), chunkSize: Math.max(64, entry.uncompressedSize) });
    } catch {
      throw new ZipUnreadableError(`${entry.fileName}: not inflatable within its declared size`);
    }
  } else throw new ZipUnreadableError(`${entry.fileName}: compression method ${entry.compressionMethod}`);
  if (out.length !== entry.uncompressedSize) throw new ZipUnreadableError(`${entry.fileName}: size differs from its header`);
  if ((zlib.crc32(out) >>> 0) !== entry.crc32) throw new ZipUnreadableError(`${entry.fileName}: CRC mismatch`);
  return out;
}
