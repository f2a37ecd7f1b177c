/** Builders for test archives: valid ones, and hostile ones made by patching bytes. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import type * as YazlTypes from 'yazl';

const requireCjs = createRequire(import.meta.url);
const yazl = requireCjs('yazl') as typeof YazlTypes;

export async function makeTempDir(prefix = 'dataarts-archive-test-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export interface RawEntry {
  name: string;
  data?: Buffer | string;
  mode?: number;
  compress?: boolean;
  directory?: boolean;
}

/** A zip built with plain yazl (not the deterministic writer): what other tools would produce. */
export async function buildZip(entries: RawEntry[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    if (e.directory) zip.addEmptyDirectory(e.name, { mtime: new Date(0) });
    else {
      const data = typeof e.data === 'string' ? Buffer.from(e.data) : e.data ?? Buffer.alloc(0);
      zip.addBuffer(data, e.name, { mtime: new Date(0), compress: e.compress ?? true, ...(e.mode === undefined ? {} : { mode: e.mode }) });
    }
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * A zip whose entry names are arbitrary bytes (yazl refuses unsafe names): entries are written
 * under same-length placeholder names, then the placeholders are replaced in the local and
 * central headers.
 */
export async function buildZipWithRawNames(entries: { name: Buffer; data: string }[]): Promise<Buffer> {
  const placeholders = entries.map((e, i) => {
    const base = `p${i}_`;
    return base + 'x'.repeat(Math.max(0, e.name.length - base.length));
  });
  entries.forEach((e, i) => {
    if (Buffer.byteLength(placeholders[i]!) !== e.name.length) throw new Error('name too short for a placeholder');
  });
  let zip = await buildZip(entries.map((e, i) => ({ name: placeholders[i]!, data: e.data })));
  entries.forEach((e, i) => { zip = replaceAll(zip, Buffer.from(placeholders[i]!), e.name); });
  return zip;
}

export function replaceAll(haystack: Buffer, needle: Buffer, replacement: Buffer): Buffer {
  const out = Buffer.from(haystack);
  let at = out.indexOf(needle);
  while (at !== -1) {
    replacement.copy(out, at);
    at = out.indexOf(needle, at + needle.length);
  }
  return out;
}

/** Offsets of every local (PK\3\4) and central (PK\1\2) header. */
export function headerOffsets(zip: Buffer): { local: number[]; central: number[] } {
  const local: number[] = [];
  const central: number[] = [];
  for (let i = 0; i + 4 <= zip.length; i += 1) {
    const sig = zip.readUInt32LE(i);
    if (sig === 0x04034b50) local.push(i);
    else if (sig === 0x02014b50) central.push(i);
  }
  return { local, central };
}

/** Sets the general-purpose flag bits in every header (bit 0 = encrypted). */
export function setFlagBits(zip: Buffer, bits: number): Buffer {
  const out = Buffer.from(zip);
  const { local, central } = headerOffsets(out);
  for (const o of local) out.writeUInt16LE(out.readUInt16LE(o + 6) | bits, o + 6);
  for (const o of central) out.writeUInt16LE(out.readUInt16LE(o + 8) | bits, o + 8);
  return out;
}

/** Overwrites the declared uncompressed size of every entry (local and central headers). */
export function setUncompressedSize(zip: Buffer, size: number): Buffer {
  const out = Buffer.from(zip);
  const { local, central } = headerOffsets(out);
  for (const o of local) out.writeUInt32LE(size, o + 22);
  for (const o of central) out.writeUInt32LE(size, o + 24);
  return out;
}

/**
 * Deflated zeros, read from a ready-made fixture where one exists (deflating 300 MiB of zeros
 * costs ~0.7 s of CPU per test file, and several files need it), else built once per size and
 * test file. The fixtures (__tests__/fixtures/hostile/README.md) are the raw deflate stream,
 * gzipped again: a bomb compresses well (300 MiB → 306 KB → 633 bytes).
 */
const deflatedZeros = new Map<number, Promise<{ crc: number; compressed: Buffer }>>();
const HOSTILE_FIXTURES = fileURLToPath(new URL('../fixtures/hostile/', import.meta.url));
/** CRC-32 of N MiB of zeros, for each fixture (recomputed by the README's command). */
const FIXTURE_CRC: Record<number, number> = { 300: 1845168324 };

function zerosDeflated(megabytes: number): Promise<{ crc: number; compressed: Buffer }> {
  let built = deflatedZeros.get(megabytes);
  if (!built) {
    const crc = FIXTURE_CRC[megabytes];
    built = crc !== undefined
      ? readFile(path.join(HOSTILE_FIXTURES, `zeros-${megabytes}mib.deflate.gz`)).then((gz) => ({ crc, compressed: zlib.gunzipSync(gz) }))
      : deflateZeros(megabytes);
    deflatedZeros.set(megabytes, built);
  }
  return built;
}

async function deflateZeros(megabytes: number): Promise<{ crc: number; compressed: Buffer }> {
  const deflate = zlib.createDeflateRaw({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => { deflate.on('end', resolve); deflate.on('error', reject); });
  const zeros = Buffer.alloc(1 << 20);
  let crc = 0;
  for (let i = 0; i < megabytes; i += 1) {
    crc = zlib.crc32(zeros, crc);
    deflate.write(zeros);
  }
  deflate.end();
  await done;
  return { crc, compressed: Buffer.concat(chunks) };
}

/**
 * The ready-made zip of 50,001 empty entries (over every entry cap: 20,000 per import archive,
 * 50,000 for an archive `jobs import` splits), see the fixtures README.
 */
export async function manyEntriesZip(): Promise<Buffer> {
  return zlib.brotliDecompressSync(await readFile(path.join(HOSTILE_FIXTURES, '50001-entries.zip.br')));
}

/** One entry holding `megabytes` MiB of zeros, deflated (a bomb: ~1 KB per MB). */
export async function buildBomb(name: string, megabytes: number): Promise<Buffer> {
  const { crc, compressed } = await zerosDeflated(megabytes);
  return rawZip([{ name, method: 8, crc, compressed, uncompressedSize: megabytes * (1 << 20) }]);
}

/** A zip assembled byte by byte (no data descriptors, no extra fields). */
export function rawZip(entries: { name: string; method: number; crc: number; compressed: Buffer; uncompressedSize: number; flags?: number; externalAttributes?: number }[]): Buffer {
  const parts: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.flags ?? 0, 6);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(e.crc >>> 0, 14);
    local.writeUInt32LE(e.compressed.length, 18);
    local.writeUInt32LE(e.uncompressedSize, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.flags ?? 0, 8);
    central.writeUInt16LE(e.method, 10);
    central.writeUInt32LE(e.crc >>> 0, 16);
    central.writeUInt32LE(e.compressed.length, 20);
    central.writeUInt32LE(e.uncompressedSize, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((e.externalAttributes ?? (0o100644 << 16)) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    parts.push(local, name, e.compressed);
    centrals.push(central, name);
    offset += local.length + name.length + e.compressed.length;
  }
  const centralDir = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(centralDir.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, centralDir, eocd]);
}

/** A small valid job file text. */
export function jobText(name: string, opts: { scripts?: string[]; processType?: string; tz?: string } = {}): string {
  const nodes = (opts.scripts ?? []).map((s, i) => ({
    name: `node${i}`,
    type: 'HiveSQL',
    location: { x: '10', y: '20' },
    properties: [{ name: 'scriptName', value: s }, { name: 'database', value: 'db' }],
  }));
  return JSON.stringify({
    name,
    nodes,
    processType: opts.processType ?? 'BATCH',
    schedule: { type: 'CRON', cron: { startTime: '2024-01-01T00:00:00+08', expression: '0 0 1 * * ?', expressionTimeZone: opts.tz ?? 'Asia/Shanghai' } },
    directory: '/team/a',
    id: 12345678901234567890,
  }, null, 2);
}

export function scriptText(name: string, content = 'select 1'): string {
  return JSON.stringify({ name, type: 'HiveSQL', content, connectionName: 'hive1', database: 'db' }, null, 2);
}

export async function writeZip(dir: string, file: string, zip: Buffer): Promise<string> {
  const p = path.join(dir, file);
  await writeFile(p, zip);
  return p;
}
