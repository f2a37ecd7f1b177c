import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ArchiveError, LocalFileError } from '../../src/errors.js';
import { dependencyFileEntry, jobFileEntry, readArchive } from '../../src/archive/model.js';
import { buildZip, jobText, makeTempDir, removeDir, scriptText, writeZip } from './helpers.js';

let dir: string;
beforeAll(async () => { dir = await makeTempDir(); });
afterAll(async () => { await removeDir(dir); });

async function refusalOf(p: Promise<unknown>): Promise<ArchiveError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ArchiveError);
  expect((err as ArchiveError).exitCode).toBe(4);
  return err as ArchiveError;
}

describe('readArchive layouts', () => {
  test('batch layout: jobs with scripts beside them, shared identical script kept once', async () => {
    const zip = await buildZip([
      { name: 'jobs/a/a.job', data: jobText('a', { scripts: ['s1', 's2'] }) },
      { name: 'jobs/a/s1.script', data: scriptText('s1') },
      { name: 'jobs/a/s2.script', data: scriptText('s2') },
      { name: 'jobs/b/b.job', data: jobText('b', { scripts: ['s1'], processType: 'REAL_TIME' }) },
      { name: 'jobs/b/s1.script', data: scriptText('s1') },
    ]);
    const model = await readArchive(await writeZip(dir, 'batch.zip', zip));
    expect(model.layout).toBe('batch');
    expect(model.jobs.map((j) => [j.name, j.jobType, j.scriptNames, j.companions])).toEqual([
      ['a', 'BATCH', ['s1', 's2'], ['jobs/a/s1.script', 'jobs/a/s2.script']],
      ['b', 'REAL_TIME', ['s1'], ['jobs/b/s1.script']],
    ]);
    expect(model.jobs[0]!.directory).toBe('/team/a');
    expect(model.scripts.map((s) => s.name)).toEqual(['s1', 's2']);
    expect(model.entries).toHaveLength(5);
    expect(model.zipBytes).toBe(zip.length);
    expect(model.unpackedBytes).toBe(model.entries.reduce((s, e) => s + e.size, 0));
    expect(jobFileEntry('batch', 'a')).toBe('jobs/a/a.job');
    expect(dependencyFileEntry('batch', 'script', 's1', 'a')).toBe('jobs/a/s1.script');
  });

  test('single layout: jobs/, scripts/, resources/', async () => {
    const zip = await buildZip([
      { name: 'jobs/myJob.job', data: jobText('myJob', { scripts: ['CS_PROCESS_TRIP'] }) },
      { name: 'scripts/CS_PROCESS_TRIP.script', data: scriptText('CS_PROCESS_TRIP') },
      { name: 'resources/r1.resource', data: JSON.stringify({ name: 'r1', type: 'jar', location: 'obs://b/r.jar' }) },
    ]);
    const model = await readArchive(await writeZip(dir, 'single.zip', zip));
    expect(model.layout).toBe('single');
    expect(model.jobs.map((j) => [j.name, j.companions])).toEqual([['myJob', ['scripts/CS_PROCESS_TRIP.script']]]);
    expect(model.resources.map((r) => r.name)).toEqual(['r1']);
    expect(jobFileEntry('single', 'myJob')).toBe('jobs/myJob.job');
    expect(dependencyFileEntry('single', 'resource', 'r1')).toBe('resources/r1.resource');
  });

  test('a directory in the batch layout reads like the zip', async () => {
    const root = path.join(dir, 'tree');
    await mkdir(path.join(root, 'jobs', 'a'), { recursive: true });
    await writeFile(path.join(root, 'jobs/a/a.job'), jobText('a', { scripts: ['s1'] }));
    await writeFile(path.join(root, 'jobs/a/s1.script'), scriptText('s1'));
    const model = await readArchive(root);
    expect(model.layout).toBe('batch');
    expect(model.jobs[0]!.companions).toEqual(['jobs/a/s1.script']);
    expect(model.zipBytes).toBeUndefined();
  });

  test('a directory with a symlink inside is refused, the link not followed', async () => {
    const root = path.join(dir, 'linked');
    await mkdir(path.join(root, 'jobs', 'a'), { recursive: true });
    await writeFile(path.join(root, 'jobs/a/a.job'), jobText('a'));
    await symlink('/etc/passwd', path.join(root, 'jobs/a/evil.script'));
    const err = await refusalOf(readArchive(root));
    expect(err.refusals).toEqual([{ subject: 'jobs/a/evil.script', reason: 'symbolic link (not followed)' }]);
  });
});

describe('readArchive problems are all reported together', () => {
  test('name mismatch, bad JSON, non-object, bad processType, stray entry, conflicting scripts', async () => {
    const zip = await buildZip([
      { name: 'jobs/a/a.job', data: jobText('not-a') },
      { name: 'jobs/b/b.job', data: '{"name": "b", ' },
      { name: 'jobs/c/c.job', data: '[1,2]' },
      { name: 'jobs/d/d.job', data: jobText('d', { processType: 'STREAM' }) },
      { name: 'jobs/e/e.job', data: jobText('e', { scripts: ['s'] }) },
      { name: 'jobs/e/s.script', data: scriptText('s', 'one') },
      { name: 'jobs/f/f.job', data: jobText('f', { scripts: ['s'] }) },
      { name: 'jobs/f/s.script', data: scriptText('s', 'two') },
      { name: 'jobs/g/readme.txt', data: 'hi' },
      { name: 'extra.json', data: '{}' },
    ]);
    const err = await refusalOf(readArchive(await writeZip(dir, 'bad.zip', zip)));
    const bySubject = Object.fromEntries(err.refusals.map((r) => [r.subject, r.reason]));
    expect(bySubject['jobs/a/a.job']).toMatch(/name "not-a" does not match the file name "a"/);
    expect(bySubject['jobs/b/b.job']).toMatch(/not valid JSON/);
    expect(bySubject['jobs/c/c.job']).toMatch(/not a JSON object/);
    expect(bySubject['jobs/d/d.job']).toMatch(/processType must be BATCH or REAL_TIME/);
    expect(bySubject['jobs/f/s.script']).toMatch(/differs from the copy in jobs\/e\/s.script/);
    expect(bySubject['jobs/g/readme.txt']).toMatch(/unexpected file/);
    expect(bySubject['jobs/g/']).toMatch(/no g.job/);
    expect(bySubject['extra.json']).toMatch(/outside jobs\//);
    expect(err.refusals).toHaveLength(8);
    expect(err.message).toMatch(/8 problems/);
  });

  test('single layout: stray file, script name mismatch, invalid UTF-8 content', async () => {
    const zip = await buildZip([
      { name: 'jobs/j.job', data: jobText('j') },
      { name: 'scripts/s.script', data: scriptText('other') },
      { name: 'scripts/t.script', data: Buffer.from([0x7b, 0xff, 0x7d]) },
      { name: 'notes.txt', data: 'x' },
    ]);
    const err = await refusalOf(readArchive(await writeZip(dir, 'bad-single.zip', zip)));
    expect(err.refusals.map((r) => r.subject).sort()).toEqual(['notes.txt', 'scripts/s.script', 'scripts/t.script']);
    expect(err.refusals.find((r) => r.subject === 'scripts/t.script')!.reason).toMatch(/UTF-8/);
  });

  test('a missing path is a LocalFileError (exit 7) naming it, not a raw fs error', async () => {
    const err = await readArchive(path.join(dir, 'nope.zip')).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(LocalFileError);
    expect((err as LocalFileError).exitCode).toBe(7);
    expect((err as LocalFileError).message).toBe(`cannot read ${path.join(dir, 'nope.zip')}: no such file or directory`);
  });
});
