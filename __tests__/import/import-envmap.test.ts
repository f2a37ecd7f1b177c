/**
 * The environment map inside `jobs import` (issue 6 hooks): connections missing from the target
 * block before upload; `--map` rebinds them through the import call's `resources` and rewrites the
 * staged copy (never the user's archive); the plan shows every substitution.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startEmulator } from '../helpers/emulator.js';
import { readZipEntries } from '../../src/archive/zip-read.js';
import { IMPORT_READ_LIMITS } from '../../src/import/limits.js';
import { devArchive, importCli, obsPuts, removeDir, tempDir, STAGING, type Emulator } from './helpers.js';

let emu: Emulator;
let dir: string;
let zip: string;
const DEV = ['dev_dws', 'dev_dli', 'dev_hive', 'dev_spark', 'dev_rds'];

beforeAll(async () => {
  emu = await startEmulator({ port: 0, workspaces: ['dev', 'prod'], seedWorkspace: 'dev', seedJobs: 12, importDelayMs: 2 });
  for (const c of emu.state.workspace('dev').connections.values()) emu.state.addConnection('prod', { ...c, name: c.name.replace(/^dev_/, 'prod_') });
  dir = await tempDir('envmap');
  zip = await devArchive(emu, dir);
});
afterAll(async () => {
  await emu.close();
  await removeDir(dir);
});

function usedConnections(): string[] {
  const text = [...emu.state.workspace('dev').jobs.values(), ...emu.state.workspace('dev').scripts.values()].map((x) => x.text).join('\n');
  return DEV.filter((c) => text.includes(`"${c}"`));
}

describe('jobs import with an environment map', () => {
  test('without a map, the jobs using connections missing from the target are refused before upload', async () => {
    const r = await importCli(emu, [zip, '--obs-path', STAGING]);
    expect(r.code).toBe(4);
    for (const c of usedConnections()) expect(r.stderr).toContain(`connection "${c}"`);
    expect(obsPuts(emu)).toBe(0);
  });

  test('--map rebinds: resources in the import call, the staged copy rewritten, the archive untouched', async () => {
    const before = await readFile(zip);
    const maps = usedConnections().flatMap((c) => ['--map', `connection:${c}=${c.replace('dev_', 'prod_')}`]);
    const dry = await importCli(emu, [zip, '--obs-path', STAGING, '--dry-run', ...maps, '--map', 'queue:dev_queue=prod_queue']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^KIND\s+FROM\s+TO\s+VIA/m);
    expect(dry.stdout).toMatch(/^queue\s+dev_queue\s+prod_queue\s+rewrite/m);

    const r = await importCli(emu, [zip, '--obs-path', STAGING, '--keep-staged', ...maps, '--map', 'queue:dev_queue=prod_queue']);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const call = emu.state.importCalls[0] as { path: string; resources: { name: string; type: string; replace: string }[] };
    expect(call.resources.map((x) => [x.name, x.replace]).sort()).toEqual(usedConnections().map((c) => [c, c.replace('dev_', 'prod_')]).sort());
    const key = call.path.replace('obs://dataarts-staging/', '');
    const staged = path.join(dir, 'staged.zip');
    await writeFile(staged, emu.state.obsObject('dataarts-staging', key)!);
    const text = (await readZipEntries(staged, IMPORT_READ_LIMITS)).map((e) => e.data.toString('utf8')).join('\n');
    for (const c of [...usedConnections(), 'dev_queue']) expect(text).not.toContain(`"${c}"`);
    expect(text).toContain('"prod_queue"');
    expect((await readFile(zip)).equals(before)).toBe(true);
    const prodText = [...emu.state.workspace('prod').jobs.values()].map((j) => j.text).join('\n');
    for (const c of [...usedConnections(), 'dev_queue']) expect(prodText).not.toContain(`"${c}"`);
    expect(prodText).toContain('"dev_cdm"'); // not mapped: left as it was
  });
});
