/**
 * Hostile archives (issue 5 item 2), built at test time, plus the outside corpus of broken and
 * encrypted zips: each must be refused by readArchive with ArchiveError (exit 4) naming the
 * problem, quickly and without unbounded memory.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import zlib from 'node:zlib';
import { ArchiveError } from '../../src/errors.js';
import { cpuTime } from '../helpers/cpu-time.js';
import { EXPORT_BATCH_LIMITS, IMPORT_LIMITS } from '../../src/archive/limits.js';
import { readArchive } from '../../src/archive/model.js';
import { forEachZipEntry, readZipEntries } from '../../src/archive/zip-read.js';
import {
  buildBomb, buildZip, buildZipWithRawNames, jobText, makeTempDir, manyEntriesZip, rawZip, removeDir, setFlagBits,
  setUncompressedSize, writeZip,
} from './helpers.js';

const CORPUS = fileURLToPath(new URL('../fixtures/zip-corpus', import.meta.url));

let dir: string;
let counter = 0;
beforeAll(async () => { dir = await makeTempDir(); });
afterAll(async () => { await removeDir(dir); });

async function refused(zip: Buffer | string): Promise<ArchiveError> {
  const file = typeof zip === 'string' ? zip : await writeZip(dir, `case-${counter++}.zip`, zip);
  const err = await readArchive(file).then(() => undefined, (e: unknown) => e);
  if (!(err instanceof ArchiveError)) throw new Error(`expected ArchiveError, got ${String(err)}`);
  expect(err.exitCode).toBe(4);
  expect(err.refusals.length).toBeGreaterThan(0);
  return err;
}

const good = jobText('a');

/**
 * Zeros deflate at ~1028:1 whatever their size past 2 MiB (4 MiB → 4,080 bytes), so a 4 MiB bomb
 * trips the 1000:1 cap as a 40 MiB one does, after inflating ~4 MB instead of ~40 MB (the cap is
 * only checked past RATIO_CHECK_MIN_BYTES, 1 MiB).
 */
const RATIO_BOMB_MIB = 4;

describe('unsafe names, each named with its reason', () => {
  test.each([
    ['/etc/passwd.job', /absolute path/],
    ['C:/x/y.job', /absolute path/],
    ['jobs/../../evil.job', /'\.\.' path segment/],
    ['jobs\\a\\a.job', /backslash/],
    ['jobs/a/./a.job', /'\.' path segment/],
    ['jobs/a\u0000b/a.job', /NUL/],
    ['jobs/a\u0007/a.job', /control character/],
  ])('%j', async (name, reason) => {
    const zip = await buildZipWithRawNames([{ name: Buffer.from(name), data: good }]);
    const err = await refused(zip);
    expect(err.refusals).toContainEqual({ subject: name, reason: expect.stringMatching(reason) });
    expect(err.message).toContain(JSON.stringify(name).slice(1, 5));
  });

  test('invalid UTF-8 name', async () => {
    const raw = Buffer.concat([Buffer.from('jobs/'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('/x.job')]);
    const err = await refused(await buildZipWithRawNames([{ name: raw, data: good }]));
    expect(err.refusals[0]!.reason).toBe('entry name is not valid UTF-8');
  });

  test('every unsafe entry is reported, not just the first', async () => {
    const zip = await buildZipWithRawNames([
      { name: Buffer.from('/abs/a.job'), data: good },
      { name: Buffer.from('jobs/../b.job'), data: good },
    ]);
    expect((await refused(zip)).refusals).toHaveLength(2);
  });
});

describe('entry kinds and duplicates', () => {
  test('symlink entry', async () => {
    const zip = await buildZip([{ name: 'jobs/a/a.job', data: good }, { name: 'jobs/a/s.script', data: '/etc/passwd', mode: 0o120777 }]);
    expect((await refused(zip)).refusals).toEqual([{ subject: 'jobs/a/s.script', reason: 'symbolic link entry' }]);
  });

  test('device / fifo entries', async () => {
    const zip = await buildZip([{ name: 'jobs/a/a.job', data: good, mode: 0o010644 }]);
    expect((await refused(zip)).refusals[0]!.reason).toMatch(/not a regular file/);
  });

  test('duplicate names, exact and by case', async () => {
    const zip = await buildZip([
      { name: 'jobs/a/a.job', data: good },
      { name: 'jobs/a/a.job', data: good },
      { name: 'jobs/A/a.job', data: good },
    ]);
    const err = await refused(zip);
    expect(err.refusals).toEqual([
      { subject: 'jobs/a/a.job', reason: 'duplicate entry name' },
      { subject: 'jobs/A/a.job', reason: 'duplicate of "jobs/a/a.job" when case is ignored' },
    ]);
  });

  test('encrypted entry', async () => {
    const zip = setFlagBits(await buildZip([{ name: 'jobs/a/a.job', data: good }]), 1);
    const err = await refused(zip);
    expect(err.refusals.map((r) => r.reason).join()).toMatch(/encrypt/);
  });

  test('empty archive', async () => {
    expect((await refused(await buildZip([]))).refusals[0]!.reason).toMatch(/empty archive/);
  });

  test('only directories is empty too', async () => {
    expect((await refused(await buildZip([{ name: 'jobs/', directory: true }]))).refusals[0]!.reason).toMatch(/empty archive/);
  });
});

describe('sizes, bombs, corruption', () => {
  test('zip bomb declaring its size: refused from the header, before inflating', async () => {
    const bomb = await buildBomb('jobs/a/a.job', 300);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const { value: err, ms } = await cpuTime(() => refused(bomb));
    expect(ms).toBeLessThan(2000);
    expect(err.refusals[0]!.reason).toMatch(/over the per-entry limit/);
  });

  test('zip bomb lying about its size: inflation stops at the cap, memory stays bounded', async () => {
    const bomb = setUncompressedSize(await buildBomb('jobs/a/a.job', 300), 1000);
    const rssBefore = process.memoryUsage().rss;
    const { value: err, ms } = await cpuTime(() => refused(bomb));
    const grew = process.memoryUsage().rss - rssBefore;
    expect(ms).toBeLessThan(3000);
    expect(grew).toBeLessThan(120 * 1024 * 1024); // 300 MB were never held
    expect(err.refusals[0]!.reason).toMatch(/limit|differs from the size in the header/);
  });

  test('compression-ratio cap under the looser batch limits', async () => {
    // RATIO_BOMB_MIB of zeros: under every other batch cap, so only the ratio cap can refuse it.
    const bomb = await buildBomb('jobs/a/a.job', RATIO_BOMB_MIB);
    const file = await writeZip(dir, 'ratio.zip', bomb);
    const err = await forEachZipEntry(file, EXPORT_BATCH_LIMITS, () => undefined).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ArchiveError);
    expect((err as ArchiveError).refusals[0]!.reason).toMatch(/compression ratio over 1000:1/);
  });

  test('total unpacked size counted across entries', async () => {
    // 3 MiB of numbered lines, deflating ~6:1 (under the ratio cap); cheaper than random text. A
    // 64 KiB block of them repeated: its copies lie beyond deflate's 32 KiB window, so the whole
    // deflates as the lines do, and filling is cheap (building 160,000 lines cost ~0.15 s of CPU).
    const lines = Buffer.from(Array.from({ length: 4000 }, (_, i) => `select ${i * 7919 % 100_003} from t;`).join('\n'));
    const big = Buffer.alloc(3 * 1024 * 1024, lines.subarray(0, 64 * 1024));
    // The same deflated bytes in four entries (deflated once, not once per entry by yazl).
    const compressed = zlib.deflateRawSync(big, { level: 1 });
    const crc = zlib.crc32(big);
    const zip = rawZip([0, 1, 2, 3].map((i) => ({ name: `jobs/j${i}/j${i}.job`, method: 8, crc, compressed, uncompressedSize: big.length })));
    expect((await refused(zip)).refusals[0]!.reason).toMatch(/more than the limit of 10485760 bytes in total/);
  });

  test('real size differs from the header', async () => {
    const zip = setUncompressedSize(await buildZip([{ name: 'jobs/a/a.job', data: good }]), 10);
    expect((await refused(zip)).refusals[0]!.reason).toMatch(/size/);
  });

  test('CRC mismatch (yauzl does not check CRCs)', async () => {
    const data = Buffer.from(good);
    const zip = rawZip([{ name: 'jobs/a/a.job', method: 0, crc: 0x12345678, compressed: data, uncompressedSize: data.length }]);
    expect((await refused(zip)).refusals[0]!.reason).toMatch(/CRC mismatch/);
  });

  test('too many entries', async () => {
    const zip = await manyEntriesZip();
    const { value: err, ms } = await cpuTime(() => refused(zip));
    expect(ms).toBeLessThan(3000);
    expect(err.refusals[0]!.reason).toMatch(/50001 entries, over the limit of 20000/);
    expect(IMPORT_LIMITS.maxEntries).toBe(20_000);
  });

  test('zip file over 10 MB', async () => {
    const file = path.join(dir, 'huge.zip');
    await writeFile(file, Buffer.alloc(IMPORT_LIMITS.maxZipBytes + 1));
    expect((await refused(file)).refusals[0]!.reason).toMatch(/over the 10485760-byte limit/);
  });

  test('not a zip', async () => {
    const file = path.join(dir, 'text.zip');
    await writeFile(file, 'this is plainly not a zip file\n'.repeat(10));
    expect((await refused(file)).refusals[0]!.reason).toMatch(/not a readable zip file/);
  });

  test('truncated zip', async () => {
    const zip = await buildZip([{ name: 'jobs/a/a.job', data: good }, { name: 'jobs/b/b.job', data: jobText('b') }]);
    for (const keep of [zip.length - 10, Math.floor(zip.length / 2), 30]) {
      const err = await refused(zip.subarray(0, keep));
      expect(err.message).toMatch(/not a readable zip|corrupt/);
    }
  });
});

describe('the streaming path (archives over 64 MiB are read through the file, not memory)', () => {
  const streaming = { inMemoryMaxBytes: 0 };
  async function streamRefusal(zip: Buffer): Promise<ArchiveError> {
    const file = await writeZip(dir, `stream-${counter++}.zip`, zip);
    const err = await readZipEntries(file, IMPORT_LIMITS, streaming).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ArchiveError);
    return err as ArchiveError;
  }

  test('reads a valid archive', async () => {
    const file = await writeZip(dir, 'stream-ok.zip', await buildZip([{ name: 'jobs/a/a.job', data: good }, { name: 'jobs/a/s.script', data: '', compress: false }]));
    const entries = await readZipEntries(file, IMPORT_LIMITS, streaming);
    expect(entries.map((e) => [e.name, e.data.toString()])).toEqual([['jobs/a/a.job', good], ['jobs/a/s.script', '']]);
  });

  test('a lying bomb stops at the cap', async () => {
    const bomb = setUncompressedSize(await buildBomb('jobs/a/a.job', 300), 1000);
    const { value: err, ms } = await cpuTime(() => streamRefusal(bomb));
    expect(ms).toBeLessThan(3000);
    expect(err.refusals[0]!.reason).toMatch(/limit|differs from the size in the header/);
  });

  test('CRC mismatch and lying size', async () => {
    const data = Buffer.from(good);
    expect((await streamRefusal(rawZip([{ name: 'a.job', method: 0, crc: 1, compressed: data, uncompressedSize: data.length }]))).refusals[0]!.reason).toMatch(/CRC mismatch/);
    expect((await streamRefusal(setUncompressedSize(await buildZip([{ name: 'a.job', data: good }]), 10))).refusals[0]!.reason).toMatch(/size/);
  });

  test('ratio cap', async () => {
    const file = await writeZip(dir, 'stream-ratio.zip', await buildBomb('a.job', RATIO_BOMB_MIB));
    const err = await forEachZipEntry(file, EXPORT_BATCH_LIMITS, () => undefined, streaming).then(() => undefined, (e: unknown) => e);
    expect((err as ArchiveError).refusals[0]!.reason).toMatch(/compression ratio over 1000:1/);
  });
});

describe('outside corpus (yauzl test suite): every file refused', () => {
  test('broken/ and encrypted/', async () => {
    const files: string[] = [];
    for (const sub of ['broken', 'encrypted']) {
      for (const f of await readdir(path.join(CORPUS, sub))) files.push(path.join(CORPUS, sub, f));
    }
    expect(files.length).toBeGreaterThanOrEqual(26);
    for (const file of files) {
      const err = await refused(file);
      // The message names a problem, not only the file.
      expect(err.refusals[0]!.reason.length).toBeGreaterThan(8);
      if (file.includes('encrypt')) expect(err.message).toMatch(/encrypt/);
    }
  });
});
