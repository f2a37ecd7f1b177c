/**
 * The deterministic writer: byte-identical output across time zones, locales and processes; the
 * JDK (the service is Java) reads it with both ZipInputStream and ZipFile; our reader reads it back.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { transformFile } from '@swc/core';
import { DeterministicZipWriter, compareEntryNames } from '../../src/archive/zip-write.js';
import { IMPORT_LIMITS } from '../../src/archive/limits.js';
import { readZipEntries } from '../../src/archive/zip-read.js';
import { jobText, makeTempDir, removeDir, scriptText } from './helpers.js';

const run = promisify(execFile);
const repoRoot = process.cwd();

let dir: string;
beforeAll(async () => { dir = await makeTempDir(); });
afterAll(async () => { await removeDir(dir); });

const ENTRIES: [string, string][] = [
  ['jobs/b/b.job', jobText('b', { scripts: ['s'] })],
  ['jobs/a/a.job', jobText('a')],
  ['jobs/b/s.script', scriptText('s', 'x'.repeat(5000))],
  ['jobs/日本/日本.job', jobText('日本')],
  ['jobs/a/empty.script', ''],
];

function sortedEntries(): [string, Buffer][] {
  return ENTRIES.map(([n, d]): [string, Buffer] => [n, Buffer.from(d)]).sort((x, y) => compareEntryNames(x[0], y[0]));
}

async function writeWith(dest: string, entries: [string, Buffer][], comment?: string) {
  const writer = DeterministicZipWriter.open(dest);
  for (const [name, data] of entries) writer.add(name, data);
  return writer.finish(comment);
}

// A short-lived JVM: the client compiler only and one GC thread halve its CPU (the suite runs in
// parallel workers on 2 cores); neither changes how the JDK reads a zip.
const JVM_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

/** `java` on PATH, found without starting a JVM (a start costs ~0.5 CPU-second). */
const hasJava = (process.env.PATH ?? '').split(path.delimiter).some((d) => d !== '' && existsSync(path.join(d, 'java')));

/**
 * 65,536 empty entries: one past the 65,535 the classic end record can count (the writer needs
 * zip64 end records from 65,535 on). Writing and reading back each entry costs ~25 µs of CPU, so
 * no more than that.
 */
const ZIP64_ENTRIES = 65_536;
const ZIP64_NAMES = Array.from({ length: ZIP64_ENTRIES }, (_, i) => `jobs/j/f${String(i).padStart(5, '0')}.script`);

let zip64: Promise<{ path: string; entries: number }> | undefined;
/** The 65,536-entry archive, written once for the tests that read it (whichever runs first). */
function zip64Archive(): Promise<{ path: string; entries: number }> {
  zip64 ??= (async () => {
    const zipPath = path.join(dir, 'zip64.zip');
    const writer = DeterministicZipWriter.open(zipPath);
    for (const name of ZIP64_NAMES) writer.add(name, Buffer.alloc(0));
    return { path: zipPath, entries: (await writer.finish()).entries.length };
  })();
  return zip64;
}

/** The JDK side of the readability test: reads a zip with ZipInputStream and ZipFile, counts another's entries. */
const READ_ZIP_JAVA = `
import java.io.*; import java.util.*; import java.util.zip.*;
public class ReadZip {
  public static void main(String[] a) throws Exception {
    StringBuilder out = new StringBuilder();
    try (ZipInputStream in = new ZipInputStream(new FileInputStream(a[0]))) {
      ZipEntry e; while ((e = in.getNextEntry()) != null) {
        byte[] b = in.readAllBytes(); CRC32 c = new CRC32(); c.update(b);
        out.append("S ").append(e.getName()).append(' ').append(b.length).append(' ').append(Long.toHexString(c.getValue())).append('\\n');
      }
    }
    try (ZipFile z = new ZipFile(a[0])) {
      for (Enumeration<? extends ZipEntry> en = z.entries(); en.hasMoreElements();) {
        ZipEntry e = en.nextElement(); byte[] b = z.getInputStream(e).readAllBytes();
        if (b.length != e.getSize()) throw new IllegalStateException("size " + e.getName());
        out.append("F ").append(e.getName()).append(' ').append(b.length).append('\\n');
      }
      out.append("C ").append(z.getComment()).append('\\n');
    }
    try (ZipFile z = new ZipFile(a[1])) { out.append("N ").append(z.size()).append('\\n'); }
    System.out.write(out.toString().getBytes("UTF-8")); System.out.flush();
  }
}`;

/**
 * How to start ReadZip: its class compiled ahead (`__tests__/fixtures/jdk/<hash of the source>/`,
 * see the README there) when that matches READ_ZIP_JAVA, else the source itself (a single-file
 * source launch compiles it in the JVM each time: 0.8 CPU-second against 0.1).
 */
async function javaLaunch(): Promise<string[]> {
  const hash = createHash('sha256').update(READ_ZIP_JAVA).digest('hex').slice(0, 16);
  const compiled = path.join(repoRoot, '__tests__/fixtures/jdk', hash);
  if (existsSync(path.join(compiled, 'ReadZip.class'))) return ['-cp', compiled, 'ReadZip'];
  const javaFile = path.join(dir, 'ReadZip.java');
  await writeFile(javaFile, READ_ZIP_JAVA);
  return [javaFile];
}

describe('DeterministicZipWriter', () => {
  test('reports sizes and hashes, and reads back through the hostile-safe reader', async () => {
    const dest = path.join(dir, 'out.zip');
    const result = await writeWith(dest, sortedEntries(), 'dataarts test');
    const bytes = await readFile(dest);
    expect(result.bytes).toBe(bytes.length);
    expect(result.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(result.entries.map((e) => e.name)).toEqual(sortedEntries().map(([n]) => n));
    expect(result.entries[0]!.sha256).toBe(createHash('sha256').update(sortedEntries()[0]![1]).digest('hex'));
    const back = await readZipEntries(dest, IMPORT_LIMITS);
    expect(back.map((e) => [e.name, e.data.toString()])).toEqual(sortedEntries().map(([n, d]) => [n, d.toString()]));
    expect(bytes.subarray(-13).toString()).toBe('dataarts test');
  });

  test('refuses out-of-order, duplicate and unsafe names; abort removes the partial file', async () => {
    const dest = path.join(dir, 'aborted.zip');
    const writer = DeterministicZipWriter.open(dest);
    writer.add('jobs/b/b.job', Buffer.from('{}'));
    expect(() => writer.add('jobs/a/a.job', Buffer.from('{}'))).toThrow(/ascending order/);
    expect(() => writer.add('jobs/b/b.job', Buffer.from('{}'))).toThrow(/ascending order/);
    expect(() => writer.add('../x', Buffer.from('{}'))).toThrow(/'\.\.' path segment/);
    await writer.abort();
    await expect(access(dest)).rejects.toThrow();
  });

  test('does not overwrite an existing file', async () => {
    const dest = path.join(dir, 'exists.zip');
    await writeFile(dest, 'keep');
    expect(() => DeterministicZipWriter.open(dest)).toThrow(/EEXIST/);
    expect(await readFile(dest, 'utf8')).toBe('keep');
  });

  test('byte-identical in child processes under different TZ and LANG', async () => {
    // Compile the writer and what it imports to plain ESM in the temp dir, so the children run the
    // very source under test without a build step.
    const lib = path.join(dir, 'lib');
    await mkdir(path.join(lib, 'archive'), { recursive: true });
    await writeFile(path.join(lib, 'package.json'), '{"type":"module"}');
    for (const file of ['errors.ts', 'archive/safe-path.ts', 'archive/zip-format.ts', 'archive/zip-write.ts']) {
      const out = await transformFile(path.join(repoRoot, 'src', file), {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' },
      });
      await writeFile(path.join(lib, file.replace(/\.ts$/, '.js')), out.code);
    }
    const input = path.join(dir, 'entries.json');
    await writeFile(input, JSON.stringify(ENTRIES));
    const child = path.join(lib, 'child.js');
    await writeFile(child, `
      import { readFileSync } from 'node:fs';
      import { DeterministicZipWriter, compareEntryNames } from './archive/zip-write.js';
      const [input, dest, reverse] = process.argv.slice(2);
      let entries = JSON.parse(readFileSync(input, 'utf8'));
      if (reverse === 'yes') entries.reverse();            // a different arrival order at the call site
      entries.sort((a, b) => compareEntryNames(a[0], b[0]));
      const w = DeterministicZipWriter.open(dest);
      for (const [n, d] of entries) w.add(n, Buffer.from(d));
      const r = await w.finish('same comment');
      process.stdout.write(r.sha256);
    `);
    const env = (tz: string, lang: string) => ({ ...process.env, TZ: tz, LANG: lang, LC_ALL: lang, NODE_PATH: path.join(repoRoot, 'node_modules') });
    const [utc, tokyo, samoa] = await Promise.all([
      run(process.execPath, [child, input, path.join(dir, 'utc.zip'), 'no'], { env: env('UTC', 'C') }),
      run(process.execPath, [child, input, path.join(dir, 'tokyo.zip'), 'yes'], { env: env('Asia/Tokyo', 'ja_JP.UTF-8') }),
      run(process.execPath, [child, input, path.join(dir, 'samoa.zip'), 'no'], { env: env('Pacific/Apia', 'tr_TR.UTF-8') }),
    ]);
    const a = await readFile(path.join(dir, 'utc.zip'));
    expect(a.equals(await readFile(path.join(dir, 'tokyo.zip')))).toBe(true);
    expect(a.equals(await readFile(path.join(dir, 'samoa.zip')))).toBe(true);
    expect(utc.stdout).toBe(tokyo.stdout);
    expect(utc.stdout).toBe(samoa.stdout);
    // And the same bytes as this process (jest's TZ) produces.
    const here = path.join(dir, 'here.zip');
    await writeWith(here, sortedEntries(), 'same comment');
    expect((await readFile(here)).equals(a)).toBe(true);
  });

  test('compareEntryNames is UTF-8 byte order without encoding', () => {
    const alphabet = ['a', 'B', '/', '.', '_', 'é', '日', '\uE000', '\uFFFD', '😀', '\u{10FFFF}', '0'];
    let seed = 7;
    const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
    const words = Array.from({ length: 400 }, () => Array.from({ length: Math.floor(rnd() * 5) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join(''));
    // Each neighbouring pair, compared both ways at once (one expect instead of 399).
    const pairs = words.slice(1).map((b, i): [string, string] => [words[i]!, b]);
    expect(pairs.map(([a, b]) => `${a} ${b} ${Math.sign(compareEntryNames(a, b))}`))
      .toEqual(pairs.map(([a, b]) => `${a} ${b} ${Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)))}`));
  });

  test('more than 65,535 entries: zip64 end records, read back by our reader', async () => {
    const written = await zip64Archive();
    expect(written.entries).toBe(ZIP64_ENTRIES);
    const back = await readZipEntries(written.path, { ...IMPORT_LIMITS, maxEntries: 100_000 });
    // One string: toEqual on 65,536 elements costs jest a fifth of a second.
    expect(back.map((e) => e.name).join('\n')).toBe(ZIP64_NAMES.join('\n'));
  });

  if (!hasJava) {
    // eslint-disable-next-line no-console
    console.warn('NOTE: java is not installed: the JDK readability test is skipped');
  }
  // One JVM for both archives: a single-file source launch compiles the program each time.
  (hasJava ? test : test.skip)('the JDK reads it with ZipInputStream and ZipFile, and counts a zip64 archive\'s entries', async () => {
    const zipPath = path.join(dir, 'jdk.zip');
    await writeWith(zipPath, sortedEntries(), 'jdk');
    const zip64Path = (await zip64Archive()).path;
    const { stdout } = await run('java', [...JVM_FLAGS, '-Dfile.encoding=UTF-8', ...await javaLaunch(), zipPath, zip64Path], { timeout: 100_000 });
    const lines = stdout.trim().split('\n');
    const expected = sortedEntries();
    expect(lines.filter((l) => l.startsWith('S ')).map((l) => l.split(' ').slice(1, 3).join(' ')))
      .toEqual(expected.map(([n, d]) => `${n} ${d.length}`));
    expect(lines.filter((l) => l.startsWith('F ')).map((l) => l.slice(2))).toEqual(expected.map(([n, d]) => `${n} ${d.length}`));
    expect(lines).toContain('C jdk');
    expect(lines).toContain(`N ${ZIP64_ENTRIES}`);
  }, 120_000);
});
