/** Pure pieces of the export: selection rules, --since parsing, names, atomic commit. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseNameList, normalizeDirectory, resolveSelection } from '../../src/export/selection.js';
import { parseSince } from '../../src/export/since.js';
import { defaultOutputName, listOwnOutputs, utcStamp } from '../../src/export/output-path.js';
import { archiveOrder, fetchAndMerge, planBatches } from '../../src/export/batches.js';
import { DeterministicZipWriter } from '../../src/archive/zip-write.js';
import { commitPath, createStagingDir } from '../../src/util/atomic.js';
import { checkReplaceable } from '../../src/export/output-target.js';
import { CleanupRegistry } from '../../src/util/cleanup.js';
import { summaryLine } from '../../src/export/report.js';
import { makeTempDir } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('units');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const job = (name: string, p = '/', jobType: 'BATCH' | 'REAL_TIME' = 'BATCH') => ({ name, jobType, status: 'STOPPED', path: p });

describe('selection', () => {
  const all = [job('a'), job('b', '/fin/daily'), job('c', '/fin'), job('d', '/finance'), job('rt', '/ops', 'REAL_TIME')];
  test('names, globs, directories and --all combine as a union, sorted, without duplicates', () => {
    const pick = (req: Partial<Parameters<typeof resolveSelection>[1]>) =>
      resolveSelection(all, { names: [], match: [], directories: [], all: false, ...req }).jobs.map((j) => j.name);
    expect(pick({ names: ['rt', 'a'], match: ['r*'] })).toEqual(['a', 'rt']);
    expect(pick({ directories: ['/fin/'] })).toEqual(['b', 'c']);
    expect(pick({ directories: ['fin//daily/'] })).toEqual(['b']);
    expect(pick({ directories: ['/'] })).toEqual(['a', 'b', 'c', 'd', 'rt']);
    expect(pick({ all: true, names: ['a'] })).toEqual(['a', 'b', 'c', 'd', 'rt']);
    expect(pick({ match: ['zz*'] })).toEqual([]);
  });
  test('unknown names are one usage error naming all of them', () => {
    expect(() => resolveSelection(all, { names: ['a', 'x1', 'x2'], match: [], directories: [], all: false })).toThrow(/x1, x2/);
  });
  test('name lists drop comments and blanks; directories normalise', () => {
    expect(parseNameList('# c\n a \n\nb # x\r\n#\n')).toEqual(['a', 'b']);
    expect(normalizeDirectory('a//b/')).toBe('/a/b');
    expect(normalizeDirectory('/')).toBe('/');
  });
  test('archive order sorts job folders as their entries sort (name + "/")', () => {
    expect(archiveOrder(['a', 'a-b', 'a_b', 'a.b', 'B'])).toEqual(['B', 'a-b', 'a.b', 'a', 'a_b']);
  });
  test('batches hold at most 100 names', () => {
    const names = Array.from({ length: 250 }, (_, i) => `j${i}`);
    expect(planBatches(names).map((b) => b.length)).toEqual([100, 100, 50]);
  });
});

describe('--since', () => {
  const now = new Date('2026-11-21T12:00:00Z');
  test.each([
    ['24h', '2026-11-20T12:00:00.000Z'],
    ['7d', '2026-11-14T12:00:00.000Z'],
    ['30m', '2026-11-21T11:30:00.000Z'],
    ['90s', '2026-11-21T11:58:30.000Z'],
    ['2026-11-20', '2026-11-20T00:00:00.000Z'],
    ['2026-11-20T06:00:00Z', '2026-11-20T06:00:00.000Z'],
    ['2026-11-20T08:00+02:00', '2026-11-20T06:00:00.000Z'],
    ['2026-11-20T06:00:00.5Z', '2026-11-20T06:00:00.500Z'],
  ])('%s', (value, iso) => {
    expect(new Date(parseSince(value, now)).toISOString()).toBe(iso);
  });
  test.each(['', 'yesterday', '24', '1y', '2026-02-30', '2026-13-01', '2026-11-20T25:00Z'])('%s is refused', (value) => {
    expect(() => parseSince(value, now)).toThrow(/--since/);
  });
});

describe('summary line', () => {
  test('counts read right in the singular and the plural', () => {
    const one = { path: 'a.zip', jobs: 1, scripts: 0, resources: 2, bytes: 1, sha256: 'x' } as Parameters<typeof summaryLine>[0];
    expect(summaryLine(one)).toBe('a.zip  1 job  0 scripts  2 resources  1 byte  sha256 x');
  });
});

describe('output names', () => {
  test('default names carry the workspace and the UTC time; rotation sees only its own', async () => {
    const stamp = utcStamp(new Date('2026-01-02T03:04:05.678Z'));
    expect(stamp).toBe('20260102T030405Z');
    expect(defaultOutputName({ prefix: 'dataarts-jobs', workspace: 'ws1', stamp, layout: 'zip' })).toBe('dataarts-jobs-ws1-20260102T030405Z.zip');
    expect(defaultOutputName({ prefix: 'dataarts-workspace', workspace: 'ws1', stamp, layout: 'dir', n: 3 })).toBe('dataarts-workspace-ws1-20260102T030405Z-3');
    const d = path.join(dir, 'rot');
    await fs.mkdir(d);
    for (const n of ['dataarts-workspace-w-20260102T030405Z-2.zip', 'dataarts-workspace-w-20260102T030405Z.zip', 'dataarts-workspace-w-20250102T030405Z.zip', 'dataarts-workspace-w2-20250102T030405Z.zip', 'x.zip']) {
      await fs.writeFile(path.join(d, n), '');
    }
    expect((await listOwnOutputs(d, 'w', 'zip')).map((c) => path.basename(c.path))).toEqual([
      'dataarts-workspace-w-20250102T030405Z.zip',
      'dataarts-workspace-w-20260102T030405Z.zip',
      'dataarts-workspace-w-20260102T030405Z-2.zip',
    ]);
  });
});

describe('atomic output', () => {
  test('staging is removed by the cleanup registry; commit refuses to clobber without force', async () => {
    const cleanup = new CleanupRegistry();
    const target = path.join(dir, 'atomic', 'out.zip');
    const staging = await createStagingDir(target, cleanup);
    await fs.writeFile(staging.path('f'), 'new');
    await cleanup.runAll();
    expect(await fs.readdir(path.dirname(target))).toEqual([]);

    const s2 = await createStagingDir(target, cleanup);
    await fs.writeFile(s2.path('f'), 'one');
    await commitPath(s2.path('f'), target, { force: false });
    await fs.writeFile(s2.path('g'), 'two');
    await expect(commitPath(s2.path('g'), target, { force: false })).rejects.toMatchObject({ exitCode: 4 });
    await expect(checkReplaceable(target, { force: false })).rejects.toMatchObject({ exitCode: 4 });
    await commitPath(s2.path('g'), target, { force: true });
    expect(await fs.readFile(target, 'utf8')).toBe('two');
    // A directory replaced by --force: old moved aside, new renamed in, old removed.
    const treeTarget = path.join(dir, 'atomic', 'tree');
    await fs.mkdir(path.join(treeTarget, 'old'), { recursive: true });
    await fs.mkdir(s2.path('tree', 'new'), { recursive: true });
    await commitPath(s2.path('tree'), treeTarget, { force: true });
    expect(await fs.readdir(treeTarget)).toEqual(['new']);
    await s2.dispose();
    expect((await fs.readdir(path.dirname(target))).sort()).toEqual(['out.zip', 'tree']);
  });
});

describe("batch checks", () => {
  // A stand-in for the service's batch export (the BatchExporter seam), serving scripted answers.

  async function zipOf(file: string, entries: [string, string][]): Promise<void> {
    const w = DeterministicZipWriter.open(file);
    for (const [n, t] of [...entries].sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])))) w.add(n, Buffer.from(t));
    await w.finish();
  }
  const good: [string, string][] = [['jobs/a/a.job', '{"name":"a"}'], ['jobs/a/s1.script', '{"name":"s1"}'], ['jobs/b/b.job', '{"name":"b"}']];
  const answers: Record<string, (file: string) => Promise<void>> = {
    garbage: (f) => fs.writeFile(f, 'PK\u0003\u0004 this is not a zip'),
    truncated: async (f) => {
      await zipOf(f, good);
      const bytes = await fs.readFile(f);
      await fs.writeFile(f, bytes.subarray(0, bytes.length - 30));
    },
    missingJob: (f) => zipOf(f, good.filter(([n]) => !n.startsWith('jobs/b/'))),
    strayEntry: (f) => zipOf(f, [...good, ['jobs/c/c.job', '{}']]),
    good: (f) => zipOf(f, good),
  };
  function scripted(sequence: (keyof typeof answers)[]) {
    const calls: string[] = [];
    return {
      calls,
      async batchExport(_names: string[], _opts: unknown, destFile: string) {
        const answer = sequence[Math.min(calls.length, sequence.length - 1)]!;
        calls.push(answer);
        await answers[answer]!(destFile);
        return { bytes: (await fs.stat(destFile)).size };
      },
    };
  }
  const options = { exportDepend: true, exportStatus: 'DEVELOP' as const, concurrency: 2, signal: new AbortController().signal };

  test('a corrupt, truncated or incomplete batch zip is fetched again and never merged', async () => {
    const cleanup = new CleanupRegistry();
    const staging = await createStagingDir(path.join(dir, 'batches', 'x.zip'), cleanup);
    const client = scripted(['truncated', 'missingJob', 'good']);
    const added: string[] = [];
    const result = await fetchAndMerge({ client, staging, sink: { add: (n) => void added.push(n) } }, [['a', 'b']], options);
    expect(client.calls).toEqual(['truncated', 'missingJob', 'good']);
    expect(added).toEqual(['jobs/a/a.job', 'jobs/a/s1.script', 'jobs/b/b.job']);
    expect(result.entries.map((e) => e.job)).toEqual(['a', 'a', 'b']);
    await staging.dispose();
  });

  test.each([['garbage'], ['strayEntry']] as const)('a batch that stays bad (%s) is a service error (exit 6) and nothing is merged', async (kind) => {
    const cleanup = new CleanupRegistry();
    const staging = await createStagingDir(path.join(dir, 'batches', 'y.zip'), cleanup);
    const client = scripted([kind]);
    const added: string[] = [];
    await expect(fetchAndMerge({ client, staging, sink: { add: (n) => void added.push(n) } }, [['a', 'b']], options)).rejects.toMatchObject({ exitCode: 6 });
    expect(client.calls.length).toBe(3);
    expect(added).toEqual([]);
    // Nothing but the staging directory's owner mark (util/atomic.ts).
    expect((await fs.readdir(staging.dir)).filter((n) => n !== '.dataarts-owner')).toEqual([]);
    await staging.dispose();
  });
});
