/**
 * The quick central-directory listing (src/archive/central-directory.ts) against yauzl, the
 * reader that decides: wherever the quick one lists an archive, it lists what yauzl lists (names,
 * sizes, method, attributes, encryption); on anything unusual it gives up rather than guess.
 */
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as YauzlTypes from 'yauzl';
import { centralDirectoryOf } from '../../src/archive/central-directory.js';
import { buildZip, jobText, setFlagBits } from './helpers.js';

const yauzl = createRequire(import.meta.url)('yauzl') as typeof YauzlTypes;
const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));

function yauzlListing(zip: Buffer): Promise<object[] | undefined> {
  return new Promise((resolve) => {
    yauzl.fromBuffer(zip, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true }, (err, file) => {
      if (err || !file) return resolve(undefined);
      const out: object[] = [];
      file.on('error', () => resolve(undefined));
      file.on('entry', (e: YauzlTypes.Entry) => {
        out.push({ name: Buffer.from(e.fileNameRaw as unknown as Buffer).toString('hex'), method: e.compressionMethod, compressed: e.compressedSize, size: e.uncompressedSize, attributes: e.externalFileAttributes, encrypted: e.isEncrypted() });
        file.readEntry();
      });
      file.on('end', () => resolve(out));
      file.readEntry();
    });
  });
}

const quickListing = (zip: Buffer) => centralDirectoryOf(zip)?.map((e) => ({ name: e.nameRaw.toString('hex'), method: e.compressionMethod, compressed: e.compressedSize, size: e.uncompressedSize, attributes: e.externalFileAttributes, encrypted: e.isEncrypted() }));

function zipsUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? zipsUnder(p) : n.endsWith('.zip') ? [p] : [];
  });
}

describe('central directory, read quickly', () => {
  test('every zip among the fixtures: the same listing as yauzl, or none', async () => {
    let listed = 0;
    for (const file of zipsUnder(FIXTURES)) {
      const zip = readFileSync(file);
      const quick = quickListing(zip);
      if (quick === undefined) continue;
      listed++;
      expect({ file, listing: quick }).toEqual({ file, listing: await yauzlListing(zip) });
    }
    expect(listed).toBeGreaterThan(5);
  });

  test('built archives: the same listing as yauzl; truncated, trailing bytes or a broken record: none', async () => {
    const zip = await buildZip([
      { name: 'jobs/a/a.job', data: jobText('a') },
      { name: 'jobs/a/link.script', data: '/etc/passwd', mode: 0o120777 },
      { name: 'jobs/b/b.job', data: jobText('b') },
    ]);
    expect(quickListing(zip)).toEqual(await yauzlListing(zip));
    expect(quickListing(setFlagBits(zip, 1))).toEqual(await yauzlListing(setFlagBits(zip, 1)));
    expect(centralDirectoryOf(zip.subarray(0, zip.length - 10))).toBeUndefined();
    expect(centralDirectoryOf(Buffer.concat([zip, Buffer.from('extra')]))).toBeUndefined();
    const broken = Buffer.from(zip);
    const directory = broken.readUInt32LE(broken.length - 6);
    broken.writeUInt32LE(0x01014b50, directory);
    expect(centralDirectoryOf(broken)).toBeUndefined();
    expect(centralDirectoryOf(Buffer.alloc(10))).toBeUndefined();
  });
});
