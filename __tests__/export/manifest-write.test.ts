/**
 * writeManifest streams the entry list in slices; the file must be exactly the compact JSON of
 * buildManifest plus a newline, whatever the number of entries (none, one, a slice boundary, more).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildManifest, writeManifest, type ManifestInput } from '../../src/export/manifest.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dataarts-manifest-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function input(entries: number): ManifestInput {
  return {
    command: 'jobs export',
    workspace: 'ws "quoted" \u00e9',
    layout: 'zip',
    archiveName: 'all.zip',
    selection: { all: true, names: ['a', 'b'] },
    generatedAt: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
    jobList: [{ name: 'job_0', jobType: 'BATCH', scripts: ['s1'], resources: [] }],
    entries: Array.from({ length: entries }, (_, i) => ({ name: `jobs/job_${i}/job_${i}.job`, job: `job_${i}`, size: i * 7, sha256: (i % 16).toString(16).repeat(64) })),
    bytes: 1234,
    sha256: 'f'.repeat(64),
  };
}

describe('writeManifest', () => {
  test.each([0, 1, 2000, 2001, 4500])('%i entries: the same bytes as JSON.stringify(buildManifest()) + newline', async (n) => {
    const file = path.join(dir, `m-${n}.json`);
    await writeManifest(file, input(n));
    expect(await fs.readFile(file, 'utf8')).toBe(`${JSON.stringify(buildManifest(input(n)))}\n`);
  });
});
