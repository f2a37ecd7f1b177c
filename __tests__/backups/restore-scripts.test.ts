/**
 * A restore holds every script as it was that night (issue 19, "What" 7), end to end over HTTP
 * against the emulator: eight nights to an OBS repository with script-only changes of scripts no job
 * uses (changed every night, one added on night 3, one deleted on night 6), job changes on nights 2
 * and 6; the restore of each night holds exactly the workspace's scripts of that night, in the
 * single-export layout (the one that carries a script without its job); `jobs import` of a restore
 * puts an unused script back; a restore of named jobs keeps the batch layout with their own scripts
 * only. Also: the nights' spills leave no local file behind.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STAGING, changeJob, cli, startBackupEmulator, tempDir, type Emulator } from './helpers.js';
import { readZipEntries } from '../../src/archive/zip-read.js';
import { EXPORT_BATCH_LIMITS } from '../../src/archive/limits.js';

let emu: Emulator;
let dir: string;
const REPO = 'obs://dataarts-staging/nightly-scripts/';
const STATE = `${REPO}state.json`;
/**
 * Nights in the chain: every kind of change has happened by night 6, and night 7 restores past the
 * deletion. Each night and each restore costs ~0.1 s of CPU (more as the chain grows): no more.
 */
const NIGHTS = 8;

beforeAll(async () => {
  emu = await startBackupEmulator(6, ['r1']);
  dir = await tempDir('restore-scripts');
});
afterAll(async () => {
  await emu?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

const source = () => emu.state.workspace('default');
const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A script no job uses (a workspace's ad-hoc SQL), put or changed. */
function putAdhoc(name: string, content: string): void {
  emu.state.putScript('default', { name, type: 'DLISQL', connectionName: 'dev_dli', database: 'dli_demo', directory: '/adhoc', content, description: '' });
}

/** The workspace's scripts now: name → definition (as the service holds it, no id). */
function workspaceScripts(workspace = 'default'): Map<string, unknown> {
  return new Map([...emu.state.workspace(workspace).scripts].map(([name, s]) => [name, s.json]));
}

/** The scripts a restore archive holds, wherever they sit in it (name → definition less its id). */
async function restoredScripts(file: string): Promise<{ names: string[]; scripts: Map<string, unknown> }> {
  const entries = await readZipEntries(file, EXPORT_BATCH_LIMITS);
  const scripts = new Map<string, unknown>();
  for (const e of entries.filter((x) => x.name.endsWith('.script'))) {
    const { id: _id, ...def } = JSON.parse(e.data.toString('utf8')) as Record<string, unknown>;
    scripts.set(path.posix.basename(e.name, '.script'), def);
  }
  return { names: entries.map((e) => e.name), scripts };
}

describe('a restore holds every script of its night', () => {
  test('eight nights to OBS with script-only changes of unused scripts: each restore equals that night\'s scripts; import puts them back', async () => {
    putAdhoc('adhoc_a', '-- night 0\nSELECT 1;\n');
    putAdhoc('adhoc_b', '-- kept as is\nSELECT 2;\n');
    const jobs = [...source().jobs.keys()].sort();
    const expected: Map<string, unknown>[] = [];
    for (let i = 0; i < NIGHTS; i++) {
      if (i > 0) putAdhoc('adhoc_a', `-- night ${i}\nSELECT ${i};\n`);
      if (i === 3) putAdhoc('adhoc_c', '-- added on night 3\nSELECT 3;\n');
      if (i === 6) source().scripts.delete('adhoc_b');
      if (i % 4 === 2) changeJob(emu, jobs[i % jobs.length]!, `night ${i}`);
      const r = await cli(emu, ['jobs', 'export-workspace', '--state-file', STATE, '-o', REPO, '--json', '--no-progress'], dir);
      expect(r.code).toBe(0);
      const doc = json(r.stdout);
      expect([i, doc.kind, doc.kind === 'full' ? r.stderr : '']).toEqual([i, i === 0 ? 'full' : 'incremental', i === 0 ? r.stderr : '']);
      if (i > 0) expect(doc.changes.scripts.changed).toContain('adhoc_a');
      expected.push(workspaceScripts());
    }
    const state = json(emu.state.obsObject('dataarts-staging', 'nightly-scripts/state.json')!.toString('utf8'));
    expect(state.runs).toHaveLength(NIGHTS);
    for (const [i, run] of (state.runs as { startedAt: string }[]).entries()) {
      const out = path.join(dir, `night-${i}.zip`);
      const r = await cli(emu, ['backups', 'restore', '--state-file', STATE, '--at', run.startedAt, '-o', out, '--json'], dir);
      expect(r.code).toBe(0);
      const doc = json(r.stdout);
      expect(doc.archiveLayout).toBe('single');
      const restored = await restoredScripts(out);
      expect(restored.scripts).toEqual(expected[i]);
      // Single layout: every job at the top of jobs/, each script once under scripts/.
      expect(restored.names.filter((n) => n.startsWith('jobs/'))).toEqual(jobs.map((j) => `jobs/${j}.job`).sort());
      expect(restored.names.filter((n) => n.startsWith('scripts/'))).toEqual([...expected[i]!.keys()].map((s) => `scripts/${s}.script`).sort());
      expect(doc.scripts).toBe(expected[i]!.size);
      expect(doc.scriptsNoJobUses).toEqual([...expected[i]!.keys()].filter((s) => s.startsWith('adhoc_')).sort());
    }

    // Importing night 5's restore gives an empty workspace every job and every script of that night.
    const imported = await cli(emu, ['jobs', 'import', path.join(dir, 'night-5.zip'), '--duplicate-policy', 'overwrite', '--obs-path', STAGING], dir, 'r1');
    expect(imported.stderr).not.toMatch(/Error/);
    expect(imported.code).toBe(0);
    expect(workspaceScripts('r1')).toEqual(expected[5]);
    expect([...emu.state.workspace('r1').jobs.keys()].sort()).toEqual(jobs);

    // The same restore as a tree has the same paths; `archive show` reads the single layout.
    const tree = await cli(emu, ['backups', 'restore', '--state-file', STATE, '--at', state.runs[5].startedAt, '-o', path.join(dir, 'night-5-tree'), '--layout', 'dir'], dir);
    expect(tree.code).toBe(0);
    expect((await fs.readdir(path.join(dir, 'night-5-tree', 'scripts'))).sort()).toEqual([...expected[5]!.keys()].map((s) => `${s}.script`).sort());
    const shown = await cli(emu, ['archive', 'show', path.join(dir, 'night-5.zip'), '--json'], dir);
    expect(shown.code).toBe(0);

    // Named jobs: the batch layout, with only their own scripts.
    const named = await cli(emu, ['backups', 'restore', '--state-file', STATE, jobs[0]!, '-o', path.join(dir, 'named.zip'), '--json'], dir);
    expect(named.code).toBe(0);
    expect(json(named.stdout).archiveLayout).toBe('batch');
    const namedEntries = (await restoredScripts(path.join(dir, 'named.zip'))).names;
    expect(namedEntries.every((n) => n.startsWith(`jobs/${jobs[0]}/`))).toBe(true);

    // Nothing local besides what was named (-o), and no spill left in the temp directory.
    expect((await fs.readdir(dir)).filter((n) => !n.startsWith('dataarts-release-')).sort()).toEqual([...Array.from({ length: NIGHTS }, (_, i) => [`night-${i}.zip`, `night-${i}.zip.manifest.json`]).flat(), 'named.zip', 'named.zip.manifest.json', 'night-5-tree', 'night-5-tree.manifest.json'].sort());
    expect((await fs.readdir(os.tmpdir())).filter((n) => n.startsWith(`dataarts-scratch-${process.pid}-`))).toEqual([]);
  });

  test('nights in the same second: a night that wrote only a script capture keeps its name (the next one picks another), local and OBS', async () => {
    // Before: the next night claimed the same default name (no archive or manifest had it) and its
    // capture replaced the recorded one in OBS (a "damaged" chain) or was refused locally (exit 4).
    await fs.mkdir(path.join(dir, 'same-second'));
    for (const repo of [path.join(dir, 'same-second') + path.sep, 'obs://dataarts-staging/same-second/']) {
      const now = new Date();
      const state = `${repo}state.json`;
      const run = () => cli(emu, ['jobs', 'export-workspace', '--state-file', state, '-o', repo, '--json', '--no-progress'], dir, 'default', now);
      expect((await run()).code).toBe(0);
      putAdhoc('adhoc_a', `-- only a script changed ${repo}\n`);
      const scriptsOnly = json((await run()).stdout);
      expect(scriptsOnly.path).toBeNull();
      changeJob(emu, [...source().jobs.keys()][0]!, `same second ${repo}`);
      putAdhoc('adhoc_a', `-- and again ${repo}\n`);
      const r = await run();
      expect([r.code, r.stderr]).toEqual([0, '']);
      const third = json(r.stdout);
      expect(third.kind).toBe('incremental');
      expect(third.scriptArchive.path).not.toBe(scriptsOnly.scriptArchive.path);
      const verified = await cli(emu, ['backups', 'verify', '--state-file', state], dir);
      expect([verified.code, verified.stderr]).toEqual([0, expect.any(String)]);
    }
  });
});
