/**
 * A zip's central directory read straight from the file's bytes, for a quick look at what an
 * archive holds before its entries are inflated (the import's head start). Deliberately narrow:
 * anything but a plain single-disk zip without zip64 records, trailing bytes or overlapping
 * records gives undefined, and the hostile-safe reader (zip-read.ts, yauzl) decides. It judges
 * nothing itself; it only lists. yauzl took 100–170 ms to list 6,300 entries (an asynchronous
 * step per entry); this takes a few.
 */
import { CENTRAL_HEADER, END_OF_CENTRAL_DIRECTORY, LOCAL_HEADER, U16_MAX, U32_MAX } from './zip-format.js';

/** One record of the central directory, with what the entry checks need. */
export interface CentralEntry {
  nameRaw: Buffer;
  compressionMethod: number;
  compressedSize: number;
  uncompressedSize: number;
  externalFileAttributes: number;
  isEncrypted(): boolean;
}

const { signature: EOCD_SIGNATURE, bytes: EOCD_BYTES } = END_OF_CENTRAL_DIRECTORY;
const { signature: CENTRAL_SIGNATURE, bytes: CENTRAL_BYTES } = CENTRAL_HEADER;
const LOCAL_HEADER_BYTES = LOCAL_HEADER.bytes;
const MAX_COMMENT = U16_MAX;
const ZIP64_COUNT = U16_MAX;
const ZIP64_SIZE = U32_MAX;
/** Strong encryption (general purpose flag bit 6): the full reader refuses it, by name. */
const STRONG_ENCRYPTION = 0x40;

export function centralDirectoryOf(zip: Buffer): CentralEntry[] | undefined {
  if (zip.length < EOCD_BYTES) return undefined;
  let eocd = -1;
  for (let i = zip.length - EOCD_BYTES; i >= Math.max(0, zip.length - EOCD_BYTES - MAX_COMMENT); i--) {
    if (zip.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return undefined;
  const disk = zip.readUInt16LE(eocd + 4);
  const directoryDisk = zip.readUInt16LE(eocd + 6);
  const countOnDisk = zip.readUInt16LE(eocd + 8);
  const count = zip.readUInt16LE(eocd + 10);
  const size = zip.readUInt32LE(eocd + 12);
  const offset = zip.readUInt32LE(eocd + 16);
  const commentLength = zip.readUInt16LE(eocd + 20);
  if (disk !== 0 || directoryDisk !== 0 || countOnDisk !== count) return undefined;
  if (count === ZIP64_COUNT || size === ZIP64_SIZE || offset === ZIP64_SIZE) return undefined;
  if (eocd + EOCD_BYTES + commentLength !== zip.length || offset + size !== eocd) return undefined;
  const entries: CentralEntry[] = [];
  let at = offset;
  for (let k = 0; k < count; k++) {
    if (at + CENTRAL_BYTES > eocd || zip.readUInt32LE(at) !== CENTRAL_SIGNATURE) return undefined;
    const flags = zip.readUInt16LE(at + 8);
    const compressionMethod = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const uncompressedSize = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const entryCommentLength = zip.readUInt16LE(at + 32);
    const startDisk = zip.readUInt16LE(at + 34);
    const externalFileAttributes = zip.readUInt32LE(at + 38);
    const localHeader = zip.readUInt32LE(at + 42);
    const end = at + CENTRAL_BYTES + nameLength + extraLength + entryCommentLength;
    if (end > eocd || startDisk !== 0 || (flags & STRONG_ENCRYPTION) !== 0) return undefined;
    if (compressedSize === ZIP64_SIZE || uncompressedSize === ZIP64_SIZE || localHeader === ZIP64_SIZE) return undefined;
    if (!extraFieldsFit(zip, at + CENTRAL_BYTES + nameLength, extraLength)) return undefined;
    // The entry's data lies before the directory.
    if (localHeader + LOCAL_HEADER_BYTES + nameLength + compressedSize > offset) return undefined;
    entries.push({
      nameRaw: zip.subarray(at + CENTRAL_BYTES, at + CENTRAL_BYTES + nameLength),
      compressionMethod,
      compressedSize,
      uncompressedSize,
      externalFileAttributes,
      isEncrypted: () => (flags & 1) !== 0,
    });
    at = end;
  }
  return at === eocd ? entries : undefined;
}

/** The extra fields (2-byte id, 2-byte size, data) exactly fill their space, as yauzl demands. */
function extraFieldsFit(zip: Buffer, start: number, length: number): boolean {
  let at = start;
  const end = start + length;
  while (at + 4 <= end) at += 4 + zip.readUInt16LE(at + 2);
  return at === end;
}
