/**
 * Property test (issue 5 item 3): seeded random mutations of valid archives (bytes, header fields,
 * names, truncation) must either read as a valid model or be refused with ArchiveError: never any
 * other error, never a hang, never a file written anywhere.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ArchiveError } from '../../src/errors.js';
import { readArchive } from '../../src/archive/model.js';
import { IMPORT_LIMITS } from '../../src/archive/limits.js';
import { readZipEntries } from '../../src/archive/zip-read.js';
import { buildZip, headerOffsets, jobText, makeTempDir, removeDir, scriptText } from './helpers.js';

const SEED = Number(process.env.DATAARTS_FUZZ_SEED ?? 20261121);
const CASES = Number(process.env.DATAARTS_FUZZ_CASES ?? 400);
const PER_CASE_TIMEOUT_MS = 3000;

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let dir: string;
let bases: Buffer[];
beforeAll(async () => {
  dir = await makeTempDir('dataarts-fuzz-');
  bases = [
    await buildZip([
      { name: 'jobs/a/a.job', data: jobText('a', { scripts: ['s1'] }) },
      { name: 'jobs/a/s1.script', data: scriptText('s1', 'select * from t where x > 1') },
      { name: 'jobs/b/b.job', data: jobText('b', { processType: 'REAL_TIME' }) },
    ]),
    await buildZip([
      { name: 'jobs/j.job', data: jobText('j', { scripts: ['s'] }) },
      { name: 'scripts/s.script', data: scriptText('s'), compress: false },
      { name: 'resources/r.resource', data: '{"name":"r","type":"jar","location":"obs://b/r.jar"}' },
    ]),
  ];
});
afterAll(async () => { await removeDir(dir); });

type Mutation = (zip: Buffer, rnd: () => number) => Buffer;
const pick = <T>(items: T[], rnd: () => number): T => items[Math.floor(rnd() * items.length)]!;
const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0xffffffff];

const mutations: Record<string, Mutation> = {
  flipBytes(zip, rnd) {
    const out = Buffer.from(zip);
    const n = 1 + Math.floor(rnd() * 8);
    for (let i = 0; i < n; i += 1) out[Math.floor(rnd() * out.length)] = Math.floor(rnd() * 256);
    return out;
  },
  headerField(zip, rnd) {
    const out = Buffer.from(zip);
    const { local, central } = headerOffsets(out);
    const eocd = out.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    const targets: [number, number[]][] = [
      ...local.map((o): [number, number[]] => [o, [4, 6, 8, 14, 18, 22, 26, 28]]),
      ...central.map((o): [number, number[]] => [o, [4, 8, 10, 16, 20, 24, 28, 30, 32, 38, 42]]),
      ...(eocd >= 0 ? [[eocd, [4, 8, 10, 12, 16, 20]] as [number, number[]]] : []),
    ];
    if (targets.length === 0) return out;
    const [base, fields] = pick(targets, rnd);
    const at = base + pick(fields, rnd);
    const value = rnd() < 0.5 ? pick(INTERESTING, rnd) : Math.floor(rnd() * 0x100000000);
    if (at + 4 <= out.length && rnd() < 0.5) out.writeUInt32LE(value >>> 0, at);
    else if (at + 2 <= out.length) out.writeUInt16LE(value & 0xffff, at);
    return out;
  },
  nameBytes(zip, rnd) {
    const out = Buffer.from(zip);
    const { central, local } = headerOffsets(out);
    const useCentral = rnd() < 0.5;
    const headers = (useCentral ? central : local).filter((h) => h + 46 <= out.length);
    if (headers.length === 0) return out;
    const o = pick(headers, rnd);
    const nameStart = o + (useCentral ? 46 : 30);
    const nameLength = out.readUInt16LE(o + (useCentral ? 28 : 26));
    if (nameLength === 0 || nameStart + nameLength > out.length) return out;
    const at = nameStart + Math.floor(rnd() * nameLength);
    out[at] = pick([0x2f, 0x2e, 0x5c, 0x00, 0xff, 0x41, 0x3a, 0x0a], rnd);
    return out;
  },
  truncate(zip, rnd) {
    return zip.subarray(0, Math.floor(rnd() * zip.length));
  },
  spliceJunk(zip, rnd) {
    const at = Math.floor(rnd() * zip.length);
    const junk = Buffer.alloc(1 + Math.floor(rnd() * 64));
    for (let i = 0; i < junk.length; i += 1) junk[i] = Math.floor(rnd() * 256);
    return Buffer.concat([zip.subarray(0, at), junk, zip.subarray(at)]);
  },
};

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), ms); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

describe('fuzzing readArchive', () => {
  test(`${CASES} seeded mutations (seed ${SEED}): accepted or ArchiveError, never anything else`, async () => {
    const rnd = prng(SEED);
    const names = Object.keys(mutations);
    const outcomes: Record<string, number> = { accepted: 0, refused: 0 };
    const started = Date.now();
    for (let i = 0; i < CASES; i += 1) {
      const base = pick(bases, rnd);
      let zip = base;
      const applied: string[] = [];
      const rounds = 1 + Math.floor(rnd() * 3);
      for (let r = 0; r < rounds; r += 1) {
        const name = pick(names, rnd);
        applied.push(name);
        zip = mutations[name]!(zip, rnd);
      }
      const file = path.join(dir, `case-${i}.zip`);
      await writeFile(file, zip);
      // Every other case goes through the streaming reader (used for archives over 64 MiB).
      const reading = i % 2 === 0 ? readArchive(file) : readZipEntries(file, IMPORT_LIMITS, { inMemoryMaxBytes: 0 });
      const outcome = await withTimeout(reading.then(() => 'accepted', (e: unknown) => e), PER_CASE_TIMEOUT_MS);
      const label = `case ${i} (seed ${SEED}, ${applied.join('+')})`;
      if (outcome === 'timeout') throw new Error(`${label}: readArchive did not settle within ${PER_CASE_TIMEOUT_MS} ms`);
      if (outcome === 'accepted') outcomes.accepted! += 1;
      else if (outcome instanceof ArchiveError && outcome.exitCode === 4 && outcome.refusals.length > 0) outcomes.refused! += 1;
      else throw new Error(`${label}: threw something other than ArchiveError: ${String((outcome as Error)?.stack ?? outcome)}`);
    }
    // The reader writes nothing: the temp dir holds the cases' inputs and nothing else (checked once,
    // not after each case: a readdir and an rm per case cost more than a fifth of the test's CPU).
    expect((await readdir(dir)).sort()).toEqual(Array.from({ length: CASES }, (_, i) => `case-${i}.zip`).sort());
    expect(outcomes.refused).toBeGreaterThan(CASES / 4);
    // eslint-disable-next-line no-console
    console.log(`fuzz: ${CASES} cases in ${Date.now() - started} ms: ${outcomes.accepted} accepted, ${outcomes.refused} refused`);
  }, 60_000);
});
