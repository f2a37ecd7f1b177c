/**
 * `jobs export` end to end: the CLI in-process (runCli) over real HTTP against an in-process
 * emulator with 250 jobs, real temp directories, archive contents compared with the emulator's
 * stored text.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runCli } from '../helpers/cli.js';
import {
  cliEnv, expectedEntries, exportCalls, makeTempDir, mapDiff, startTestEmulator, treeContents, zipContents, zipEntryNames,
  type Emulator,
} from './helpers.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let emu: Emulator;
let dir: string;

beforeAll(async () => {
  emu = await startTestEmulator({ seedJobs: 250, seed: 7 });
  dir = await makeTempDir('main');
});
afterAll(async () => {
  await emu?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

const cli = (args: string[], options: { stdin?: string; cwd?: string } = {}) =>
  runCli(args, { env: cliEnv(emu), cwd: options.cwd ?? dir, stdin: options.stdin });
const jobsOf = () => emu.state.workspace('default').jobs;
const allNames = () => [...jobsOf().keys()].sort();
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function subdir(name: string): Promise<string> {
  const d = path.join(dir, name);
  await fs.mkdir(d, { recursive: true });
  return d;
}

let firstAll: ReturnType<typeof cli> | undefined;
/** The first `jobs export --all` (all/all.zip), run once for the tests that read it, whichever runs first. */
function exportAll(): ReturnType<typeof cli> {
  firstAll ??= subdir('all').then(() => cli(['jobs', 'export', '--all', '-o', 'all/all.zip']));
  return firstAll;
}

describe('jobs export', () => {
  test('--all gives every job with its scripts and resources, byte-equal to the service, plus a manifest', async () => {
    const out = await subdir('all');
    const r = await exportAll();
    expect(r.stderr).not.toContain('Error');
    expect(r.code).toBe(0);
    const zip = path.join(out, 'all.zip');
    const names = allNames();
    expect(names.length).toBe(250);
    expect([...jobsOf().values()].some((j) => j.jobType === 'REAL_TIME')).toBe(true);
    const expected = expectedEntries(emu, names);
    expect([...expected.keys()].some((k) => k.endsWith('.script'))).toBe(true);
    expect(mapDiff(await zipContents(zip), expected)).toEqual([]);
    const entryOrder = await zipEntryNames(zip);
    expect(entryOrder).toEqual([...entryOrder].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));

    const bytes = await fs.readFile(zip);
    const m = /^(\S+) {2}250 jobs {2}(\d+) scripts {2}(\d+) resources {2}(\d+) bytes {2}sha256 ([0-9a-f]{64})\n$/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(m![1]).toBe(zip);
    expect(Number(m![4])).toBe(bytes.length);
    expect(m![5]).toBe(sha256(bytes));

    const manifest = JSON.parse(await fs.readFile(`${zip}.manifest.json`, 'utf8'));
    expect(manifest.archive.sha256).toBe(sha256(bytes));
    expect(manifest.entries.length).toBe(expected.size);
    expect(manifest.jobs.length).toBe(250);
    expect(typeof manifest.generatedAt).toBe('string');
    // Nothing else left beside the output: no temp files or directories.
    expect((await fs.readdir(out)).sort()).toEqual(['all.zip', 'all.zip.manifest.json']);
    // Batches of ≤100 names: 250 jobs → 3 export calls.
    const batchCalls = emu.requests.filter((q) => q.path.endsWith('/jobs/batch-export'));
    expect(batchCalls.length).toBeGreaterThanOrEqual(3);
  });

  test('a second run is byte-identical, also with other concurrency and in a child process under another TZ and locale', async () => {
    const out = await subdir('det');
    // The first run is the --all export above (shared: a 250-job export costs a third of a CPU-second).
    const a = await exportAll();
    const b = await cli(['jobs', 'export', '--all', '-o', 'det/b.zip', '--concurrency', '1']);
    expect([a.code, b.code]).toEqual([0, 0]);
    const bytesA = await fs.readFile(path.join(dir, 'all', 'all.zip'));
    expect(sha256(await fs.readFile(path.join(out, 'b.zip')))).toBe(sha256(bytesA));

    // The real process under a far-away time zone and another locale (TZ cannot change in-process).
    expect(existsSync(path.join(repoRoot, 'dist/commands/jobs-export.js'))).toBe(true); // run `npm run build` first
    await promisify(execFile)(process.execPath, [path.join(repoRoot, 'bin/dataarts.js'), 'jobs', 'export', '--all', '-o', path.join(out, 'c.zip'), '--no-progress'], {
      env: { PATH: process.env.PATH, ...cliEnv(emu), TZ: 'Pacific/Chatham', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' },
      cwd: out,
    });
    expect(sha256(await fs.readFile(path.join(out, 'c.zip')))).toBe(sha256(bytesA));
  }, 30_000);

  test('names and --match combine as a union; --json prints one document with the job list', async () => {
    const names = allNames();
    const r = await cli(['jobs', 'export', names[200]!, '--match', 'job_0000*', '--match', 'job_0001[0-2]', '-o', 'union.zip', '--json']);
    expect(r.code).toBe(0);
    const wanted = [...new Set([names[200]!, ...names.filter((n) => /^job_0000\d$/.test(n) || /^job_0001[0-2]$/.test(n))])].sort();
    expect(wanted.length).toBeGreaterThan(5);
    const doc = JSON.parse(r.stdout);
    expect(doc.jobs).toBe(wanted.length);
    expect(doc.jobList.map((j: { name: string }) => j.name)).toEqual(wanted);
    expect(doc.layout).toBe('zip');
    expect(doc.path).toBe(path.join(dir, 'union.zip'));
    expect(doc.manifest).toBe(path.join(dir, 'union.zip.manifest.json'));
    const jobWithScripts = doc.jobList.find((j: { scripts: string[] }) => j.scripts.length > 0);
    expect(jobWithScripts).toBeDefined();
    expect(mapDiff(await zipContents(path.join(dir, 'union.zip')), expectedEntries(emu, wanted))).toEqual([]);
  });

  test('--jobs-only and --status submit ask for exportDepend=false and exportStatus=SUBMIT', async () => {
    const names = allNames().slice(0, 30);
    const before = emu.requests.length;
    const r = await cli(['jobs', 'export', ...names, '--jobs-only', '--status', 'submit', '-o', 'submit.zip']);
    expect(r.code).toBe(0);
    const calls = emu.requests.slice(before).filter((q) => q.path.endsWith('/jobs/batch-export'));
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) expect(c.body).toMatchObject({ exportDepend: false, exportStatus: 'SUBMIT' });
    const got = await zipContents(path.join(dir, 'submit.zip'));
    expect(mapDiff(got, expectedEntries(emu, names, { jobsOnly: true, submit: true }))).toEqual([]);
  });

  test('--directory selects jobs under a path recursively (trailing slash ignored)', async () => {
    const jobs = [...jobsOf().values()];
    const dirs = [...new Set(jobs.map((j) => j.directory))].filter((d) => d !== '/');
    expect(dirs.length).toBeGreaterThan(0);
    const top = `/${dirs[0]!.split('/').filter(Boolean)[0]}`;
    const wanted = jobs.filter((j) => j.directory === top || j.directory.startsWith(`${top}/`)).map((j) => j.name).sort();
    expect(wanted.length).toBeGreaterThan(0);
    const r = await cli(['jobs', 'export', '--directory', `${top}/`, '-o', 'dir-sel.zip', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).jobList.map((j: { name: string }) => j.name)).toEqual(wanted);
  });

  test('--names-from - reads names from stdin, ignoring comments and blank lines', async () => {
    const names = allNames();
    const stdin = `# changed jobs\n${names[3]}\n\n  ${names[77]}   # trailing comment\n${names[3]}\n`;
    const r = await cli(['jobs', 'export', '--names-from', '-', '-o', 'stdin.zip', '--json'], { stdin });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).jobList.map((j: { name: string }) => j.name)).toEqual([names[3], names[77]]);
    // A file, relative to the working directory.
    await fs.writeFile(path.join(dir, 'names.txt'), `${names[5]}\n`);
    const fromFile = await cli(['jobs', 'export', '--names-from', 'names.txt', '-o', 'file-names.zip', '--json']);
    expect(fromFile.code).toBe(0);
    expect(JSON.parse(fromFile.stdout).jobList.map((j: { name: string }) => j.name)).toEqual([names[5]]);
    const missing = await cli(['jobs', 'export', '--names-from', 'nope.txt', '-o', 'never.zip']);
    // A names file that cannot be read is a local-file error (exit 7) naming it, in words.
    expect(missing.code).toBe(7);
    expect(missing.stderr).toContain(`cannot read ${path.join(dir, 'nope.txt')}: no such file or directory`);
  });

  test('--layout dir writes the same paths unpacked, atomically, with the manifest beside the directory', async () => {
    const names = allNames().slice(100, 160);
    const r = await cli(['jobs', 'export', ...names, '--layout', 'dir', '-o', 'tree/']);
    expect(r.code).toBe(0);
    expect(mapDiff(await treeContents(path.join(dir, 'tree')), expectedEntries(emu, names))).toEqual([]);
    expect(existsSync(path.join(dir, 'tree.manifest.json'))).toBe(true);
    // Without --force an existing tree is refused; with it the tree is replaced.
    const again = await cli(['jobs', 'export', names[0]!, '--layout', 'dir', '-o', 'tree']);
    expect(again.code).toBe(4);
    const forced = await cli(['jobs', 'export', names[0]!, '--layout', 'dir', '-o', 'tree', '--force']);
    expect(forced.code).toBe(0);
    expect([...(await treeContents(path.join(dir, 'tree'))).keys()].every((k) => k.startsWith(`jobs/${names[0]}/`))).toBe(true);
    expect((await fs.readdir(dir)).filter((n) => n.includes('.tmp-') || n.includes('.old-'))).toEqual([]);
  });

  test('an unknown name is an error naming every unknown job; nothing is written and no export call is made', async () => {
    const out = await subdir('unknown');
    const before = exportCalls(emu);
    const r = await cli(['jobs', 'export', allNames()[0]!, 'no_such_job', 'nor_this', '-o', 'unknown/x.zip']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no_such_job');
    expect(r.stderr).toContain('nor_this');
    expect(exportCalls(emu)).toBe(before);
    expect(await fs.readdir(out)).toEqual([]);
  });

  test('an existing output is refused without --force before any export call, and left untouched', async () => {
    const out = await subdir('exists');
    const target = path.join(out, 'x.zip');
    // A zip (an earlier output): --force may replace it, so the refusal suggests it.
    const comment = Buffer.from('dataarts 0.0.0 jobs export; workspace default; 0 jobs; metadata in the .manifest.json sidecar');
    const earlier = Buffer.concat([Buffer.from([0x50, 0x4b, 0x05, 0x06]), Buffer.alloc(16), Buffer.from([comment.length, 0]), comment]);
    await fs.writeFile(target, earlier);
    const before = exportCalls(emu);
    const r = await cli(['jobs', 'export', '--all', '-o', 'exists/x.zip']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('--force');
    expect(exportCalls(emu)).toBe(before);
    expect(await fs.readFile(target)).toEqual(earlier);
    expect(await fs.readdir(out)).toEqual(['x.zip']);
    const forced = await cli(['jobs', 'export', allNames()[0]!, '-o', 'exists/x.zip', '--force']);
    expect(forced.code).toBe(0);
    expect((await zipContents(target)).has(`jobs/${allNames()[0]}/${allNames()[0]}.job`)).toBe(true);
  });

  test('--expression-time-zone rewrites exactly the expressionTimeZone fields', async () => {
    const names = allNames().slice(0, 120);
    const r = await cli(['jobs', 'export', ...names, '--expression-time-zone', 'Europe/Paris', '-o', 'tz.zip', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).expressionTimeZoneChanges).toBeGreaterThan(0);
    const got = await zipContents(path.join(dir, 'tz.zip'));
    const expected = expectedEntries(emu, names);
    let rewritten = 0;
    const blank = (t: string) => t.replace(/("expressionTimeZone"\s*:\s*)"[^"]*"/g, '$1"?"');
    for (const [entry, original] of expected) {
      const actual = got.get(entry)!;
      if (!entry.endsWith('.job')) {
        expect(actual).toBe(original);
        continue;
      }
      // Text identical except inside the expressionTimeZone literals…
      expect(blank(actual)).toBe(blank(original));
      // …and every one of those now says Europe/Paris (cron and real-time cronTrigger alike).
      const json = JSON.parse(actual);
      const zones: string[] = [];
      if (json.schedule?.cron?.expressionTimeZone !== undefined) zones.push(json.schedule.cron.expressionTimeZone);
      for (const n of json.nodes ?? []) if (n.cronTrigger?.expressionTimeZone !== undefined) zones.push(n.cronTrigger.expressionTimeZone);
      for (const z of zones) expect(z).toBe('Europe/Paris');
      if (actual !== original) rewritten++;
    }
    expect(rewritten).toBeGreaterThan(0);
  });

  test('a bad --expression-time-zone is a usage error naming the value, before any service call', async () => {
    const before = emu.requests.length;
    const r = await cli(['jobs', 'export', '--all', '--expression-time-zone', 'Mars/Olympus', '-o', 'never.zip']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Mars/Olympus');
    expect(emu.requests.length).toBe(before);
    expect(existsSync(path.join(dir, 'never.zip'))).toBe(false);
  });

  test('--match that selects nothing warns and exits 0 without an archive; no selector at all is a usage error', async () => {
    const out = await subdir('empty');
    const r = await cli(['jobs', 'export', '--match', 'zzz_nothing_*'], { cwd: out });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Warning/);
    expect(r.stdout).toBe('');
    expect(await fs.readdir(out)).toEqual([]);
    const none = await cli(['jobs', 'export'], { cwd: out });
    expect(none.code).toBe(2);
  });

  test('without -o the archive gets the default name with the workspace and UTC time in the working directory', async () => {
    const out = await subdir('default-name');
    const r = await cli(['jobs', 'export', allNames()[1]!], { cwd: out });
    expect(r.code).toBe(0);
    const files = (await fs.readdir(out)).sort();
    expect(files.length).toBe(2);
    expect(files[0]).toMatch(/^dataarts-jobs-default-\d{8}T\d{6}Z\.zip$/);
    expect(files[1]).toBe(`${files[0]}.manifest.json`);
  });

  // Last: it adds jobs to the workspace.
  test('names where "-" and "." sort before "/" still merge in entry order across a batch boundary', async () => {
    const base = JSON.parse(jobsOf().get(allNames()[0]!)!.text);
    for (const name of ['job_00099-a', 'job_00099.b', 'job_00100-c']) emu.state.putJob('default', JSON.stringify({ ...base, name }, null, 2));
    const r = await cli(['jobs', 'export', '--all', '-o', 'order.zip']);
    expect(r.stderr).not.toContain('Error');
    expect(r.code).toBe(0);
    const zip = path.join(dir, 'order.zip');
    expect(mapDiff(await zipContents(zip), expectedEntries(emu, allNames()))).toEqual([]);
    const order = await zipEntryNames(zip);
    expect(order).toEqual([...order].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
  });
});
