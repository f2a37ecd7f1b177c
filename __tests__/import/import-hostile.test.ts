/**
 * Hostile or broken archives are refused by `jobs import` with exit 4, a message naming the entry
 * and the problem, and nothing changed on the service (no OBS PUT, no import call): issue 4
 * "Done when" and issue 5 item 2, end to end through the command, plus the outside zip corpus.
 * What the central directory shows is refused before any request; what only the entries show may
 * come after the import's head start has begun reading the workspace (issue 17 item 6).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { runCli } from '../helpers/cli.js';
import { buildBomb, buildZip, buildZipWithRawNames, jobText, manyEntriesZip, rawZip, scriptText, setFlagBits, setUncompressedSize } from '../archive/helpers.js';
import { importCli, importEnv, removeDir, startImportEmulator, tempDir, writeFileIn, STAGING, type Emulator } from './helpers.js';

// yauzl's own test archives, kept in the repository (see its README and LICENSE-yauzl).
const CORPUS = fileURLToPath(new URL('../fixtures/zip-corpus', import.meta.url));

let emu: Emulator;
let dir: string;

beforeAll(async () => {
  emu = await startImportEmulator({ seedJobs: 1 });
  emu.state.addConnection('prod', { name: 'hive1', type: 'HIVE' });
  dir = await tempDir('hostile');
});
afterAll(async () => {
  await emu.close();
  await removeDir(dir);
});

/** A request that only reads: a list page, a job or script shown, a batch export. */
const isRead = (q: { method: string; path: string }) => q.method === 'GET' || (q.method === 'POST' && q.path.endsWith('/jobs/batch-export'));

/**
 * `directory`: wrong in the zip's central directory (names, kinds, counts, declared sizes), so
 * refused before any request. `entries`: found while inflating and parsing the entries, during
 * which the workspace may already be read (the import's head start) but nothing is changed.
 * `planning`: refused by the plan, after reading the workspace.
 */
async function expectRefused(file: string, mentions: RegExp, stage: 'directory' | 'entries' | 'planning' = 'directory'): Promise<void> {
  emu.requests.length = 0;
  const r = await importCli(emu, [file, '--obs-path', STAGING, '--duplicate-policy', 'overwrite']);
  expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 4, stdout: '' });
  expect(r.stderr).toMatch(mentions);
  expect(r.stderr).not.toMatch(/internal error/);
  if (stage === 'directory') expect(emu.requests).toEqual([]);
  else expect(emu.requests.filter((q) => !isRead(q))).toEqual([]);
  expect(emu.state.importCalls).toEqual([]);
  expect([...emu.state.buckets.get('dataarts-staging')!.keys()]).toEqual([]);
}

/**
 * A zip of big entries, deflated at level 1 or stored, with the native CRC-32: the tool inflates
 * and repacks them at its own level anyway, and yazl (JavaScript CRC-32, level 6) spent ~0.2 s of
 * CPU on the 25 MB below.
 */
function fastZip(entries: { name: string; data: string; store?: boolean }[]): Buffer {
  return rawZip(entries.map(({ name, data, store }) => {
    const raw = Buffer.from(data);
    return { name, method: store ? 0 : 8, crc: zlib.crc32(raw), compressed: store ? raw : zlib.deflateRawSync(raw, { level: 1 }), uncompressedSize: raw.length };
  }));
}

const ok = (name: string) => ({ name: `jobs/${name}/${name}.job`, data: jobText(name) });

describe('jobs import refuses hostile archives before any upload', () => {
  test('unsafe paths: absolute, .., backslash', async () => {
    await expectRefused(await writeFileIn(dir, 'abs.zip', await buildZipWithRawNames([{ name: Buffer.from('/etc/evil.job'), data: jobText('evil') }])), /evil/);
    await expectRefused(await writeFileIn(dir, 'dotdot.zip', await buildZipWithRawNames([{ name: Buffer.from('jobs/../../evil.job'), data: jobText('evil') }])), /evil/);
    await expectRefused(await writeFileIn(dir, 'backslash.zip', await buildZipWithRawNames([{ name: Buffer.from('jobs\\evil\\evil.job'), data: jobText('evil') }])), /evil/);
  });

  test('symlink entry, duplicate names, encrypted entries, lying sizes, empty archive, invalid UTF-8 name', async () => {
    await expectRefused(await writeFileIn(dir, 'symlink.zip', await buildZip([ok('a'), { name: 'jobs/a/link.script', data: '/etc/passwd', mode: 0o120777 }])), /link/);
    await expectRefused(await writeFileIn(dir, 'dup.zip', await buildZip([ok('a'), ok('a')])), /duplicate/i);
    await expectRefused(await writeFileIn(dir, 'encrypted.zip', setFlagBits(await buildZip([ok('a')]), 1)), /encrypt/i);
    await expectRefused(await writeFileIn(dir, 'sizes.zip', setUncompressedSize(await buildZip([ok('a')]), 10)), /a\.job|size/i, 'entries');
    await expectRefused(await writeFileIn(dir, 'empty.zip', await buildZip([])), /empty/i);
    await expectRefused(await writeFileIn(dir, 'utf8.zip', await buildZipWithRawNames([{ name: Buffer.from([0x6a, 0x6f, 0x62, 0xff, 0xfe, 0x2e, 0x6a, 0x6f, 0x62]), data: jobText('x') }])), /UTF-8/);
  });

  test('bad JSON, a name mismatch, not a zip, a truncated zip', async () => {
    await expectRefused(await writeFileIn(dir, 'badjson.zip', await buildZip([{ name: 'jobs/a/a.job', data: '{"name": "a", nodes: [' }])), /jobs\/a\/a\.job.*JSON/, 'entries');
    await expectRefused(await writeFileIn(dir, 'mismatch.zip', await buildZip([{ name: 'jobs/a/a.job', data: jobText('b') }])), /jobs\/a\/a\.job.*"b"/, 'entries');
    await expectRefused(await writeFileIn(dir, 'notzip.zip', 'this is not a zip file\n'), /not a readable zip/);
    const whole = await buildZip([ok('a'), ok('b')]);
    await expectRefused(await writeFileIn(dir, 'truncated.zip', whole.subarray(0, Math.floor(whole.length * 0.6))), /zip/i);
  });

  test('refused while the workspace is already being read: the refusal, with or without a session; nothing asked afterwards', async () => {
    // 300 good jobs and one that does not parse: the central directory is sound, so the workspace
    // read starts while the entries are checked.
    const entries = [...Array.from({ length: 300 }, (_, i) => ok(`j${String(i).padStart(3, '0')}`)), { name: 'jobs/zz/zz.job', data: '{"name": "zz", nodes: [' }];
    const file = await writeFileIn(dir, 'late.zip', await buildZip(entries));
    await expectRefused(file, /jobs\/zz\/zz\.job.*JSON/, 'entries');
    // The head start: the workspace listing was already asked for when the entries were refused.
    expect(emu.requests.some((q) => q.method === 'GET' && q.path.endsWith('/jobs'))).toBe(true);
    const after = emu.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(emu.requests.length).toBe(after);
    // No session can be opened (no project id): the archive's problem is still what is reported.
    const { DATAARTS_PROJECT_ID: _projectId, ...noProject } = importEnv(emu);
    const r = await runCli(['jobs', 'import', file, '--obs-path', STAGING], { env: noProject, cwd: dir });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/jobs\/zz\/zz\.job.*JSON/);
  });

  test('a zip bomb and oversize archives (zipped and unpacked), each naming the problem', async () => {
    await expectRefused(await writeFileIn(dir, 'bomb.zip', await buildBomb('jobs/a/a.script', 300)), /jobs\/a\/a\.script/);
    // One job whose scripts alone are over 10 MB unpacked: numbered SQL lines deflate about 6:1
    // (within the 500:1 ratio cap), 12 MB unpacked, ~2 MB zipped. 10,000 lines made once and
    // repeated: each repeat starts ~400 KB after the last, beyond deflate's 32 KB window, so the
    // text deflates as if every line were new (making all 150,000 lines cost ~0.2 s of CPU).
    const block = `${Array.from({ length: 10_000 }, (_, i) => `select ${i * 7919 % 100_003} from t where k = ${100_000 + i};`).join('\n')}\n`;
    const text = block.repeat(15);
    await expectRefused(await writeFileIn(dir, 'unpacked.zip', fastZip([
      { name: 'jobs/big/big.job', data: jobText('big', { scripts: ['s1', 's2'] }) },
      { name: 'jobs/big/s1.script', data: scriptText('s1', text) },
      { name: 'jobs/big/s2.script', data: scriptText('s2', text) },
    ])), /big \(the job with its scripts and resources alone is \d{7} bytes zipped and 1\d{7} bytes unpacked/, 'planning');
    // One job over 10 MB zipped: incompressible scripts, stored (deflating noise gains nothing
    // and costs a second of CPU).
    const noise = () => randomBytes(5 * 1024 * 1024).toString('base64');
    await expectRefused(await writeFileIn(dir, 'zipped.zip', fastZip([
      { name: 'jobs/huge/huge.job', data: jobText('huge', { scripts: ['n1', 'n2'] }) },
      { name: 'jobs/huge/n1.script', data: scriptText('n1', noise()), store: true },
      { name: 'jobs/huge/n2.script', data: scriptText('n2', noise()), store: true },
    ])), /huge \(the job with its scripts and resources alone is 1\d{7} bytes zipped/, 'planning');
  });

  test('a huge entry count', async () => {
    // The ready-made 50,001-entry zip (one over the cap of an archive to split; __tests__/fixtures/hostile/).
    await expectRefused(await writeFileIn(dir, 'many.zip', await manyEntriesZip()), /50001 entries, over the limit of 50000/);
  });

  const corpus = ['broken', 'encrypted'].flatMap((sub) => readdirSync(path.join(CORPUS, sub)).map((f) => path.join(CORPUS, sub, f)));
  test.each(corpus.map((f) => [path.relative(CORPUS, f), f]))('zip corpus: %s', async (_label, file) => {
    await expectRefused(file, /./, 'entries');
  });
});
