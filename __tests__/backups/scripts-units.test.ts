/**
 * The script side of the nights as pure functions: a content hash that ignores key order and the
 * service's id but sees any content change; deltas that rebuild every night's list; what a night
 * captures (spilled as listed); the state file a capture names in its zip comment.
 */
import { describe, expect, test } from '@jest/globals';
import { scriptHash, scriptListAt, scriptListDelta } from '../../src/backups/script-list.js';
import { captureStateFile, openScriptIntake, scriptArchivePathFor, scriptChanges } from '../../src/backups/script-capture.js';
import type { CommandContext } from '../../src/context.js';
import type { BackupAccess } from '../../src/backups/open-state.js';
import { CleanupRegistry } from '../../src/util/cleanup.js';
import { DeterministicZipWriter } from '../../src/archive/zip-write.js';
import type { RunRecord } from '../../src/backups/state-file.js';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** An intake for a local archive in `dir` (only the cleanup registry of a context is used). */
const intake = (dir: string, req: { before: Map<string, string>; full: boolean }) =>
  openScriptIntake({ deps: { cleanup: new CleanupRegistry() } } as unknown as CommandContext, {} as BackupAccess, { ...req, archive: path.join(dir, 'night.zip') });

const def = (name: string, content: string, extra: Record<string, unknown> = {}) => ({ name, type: 'DLISQL', content, configuration: { a: 1, b: [1, 2] }, ...extra });

describe('script hashes and lists', () => {
  test('key order and the id do not count; content, nested configuration and type do', () => {
    const base = scriptHash(def('s', 'SELECT 1;'));
    expect(scriptHash({ content: 'SELECT 1;', configuration: { b: [1, 2], a: 1 }, type: 'DLISQL', name: 's', id: 'x' })).toBe(base);
    expect(scriptHash(def('s', 'SELECT 2;'))).not.toBe(base);
    expect(scriptHash(def('s', 'SELECT 1;', { configuration: { a: 2, b: [1, 2] } }))).not.toBe(base);
    expect(scriptHash(def('s', 'SELECT 1;', { type: 'HiveSQL' }))).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{32}$/);
  });

  test('deltas rebuild the list at every run', () => {
    const nights = [new Map([['a', '1'], ['b', '1']]), new Map([['a', '2'], ['b', '1'], ['c', '1']]), new Map([['a', '2'], ['c', '1']])];
    const runs: RunRecord[] = [];
    let before = new Map<string, string>();
    for (const [i, list] of nights.entries()) {
      runs.push({ startedAt: `2026-11-0${i + 1}T01:00:00Z`, finishedAt: '', cutoff: i === 0 ? 'full' : 'x', archive: null, ...scriptListDelta(before, list) });
      before = list;
    }
    expect(runs[1]).toMatchObject({ sset: { a: '2', c: '1' } });
    expect(runs[2]).toMatchObject({ sdel: ['b'] });
    expect(runs[2]!.sset).toBeUndefined();
    nights.forEach((list, i) => expect(scriptListAt(runs, i)).toEqual(list));
  });

  test('a night captures what is new or changed, everything on a full night, and names the deleted', async () => {
    const before = new Map([['a', scriptHash(def('a', '1'))], ['b', scriptHash(def('b', '1'))], ['gone', 'h']]);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dataarts-capture-'));
    try {
      const incremental = await intake(dir, { before, full: false });
      // Pages in the service's order, not the archive's.
      incremental.onPage([def('c', '1'), def('a', '1')]);
      incremental.onPage([def('b', '2')]);
      expect(incremental.spill.sortedNames()).toEqual(['b', 'c']);
      expect(JSON.parse(incremental.spill.read('c').toString('utf8'))).toEqual(def('c', '1'));
      const c = scriptChanges(incremental.hashes, before);
      expect({ added: c.added, changed: c.changed, deleted: c.deleted }).toEqual({ added: ['c'], changed: ['b'], deleted: ['gone'] });
      await incremental.dispose();
      const full = await intake(dir, { before, full: true });
      full.onPage([def('a', '1'), def('b', '2'), def('c', '1')]);
      expect(full.spill.count).toBe(3);
      await full.dispose();
      // Nothing is left of either spill.
      expect(await fs.readdir(dir)).toEqual([]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
    expect(scriptArchivePathFor('/b/x-20261201T010000Z.zip')).toBe('/b/x-20261201T010000Z.scripts.zip');
    expect(scriptArchivePathFor('obs://bk/p/x-20261201T010000Z.zip')).toBe('obs://bk/p/x-20261201T010000Z.scripts.zip');
  });

  test('taken in as listed: no script\'s content outlives its page (spilled to disk when captured, else let go)', async () => {
    const before = new Map([['a', scriptHash(def('a', '1'))], ['b', scriptHash(def('b', '1'))]]);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dataarts-capture-'));
    try {
      const listed = await intake(dir, { before, full: false });
      const page = [def('a', '1'), { ...def('b', '2'), id: 'svc-id' }, def('c', '1')];
      listed.onPage(page);
      // The listing keeps only the names (its duplicate check).
      expect(page).toEqual([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
      expect(listed.hashes.get('a')).toBe(before.get('a'));
      expect(listed.hashes.get('b')).toBe(scriptHash(def('b', '2')));
      // The spilled file is the definition less the service's id, as a .script file holds it.
      expect(JSON.parse(listed.spill.read('b').toString('utf8'))).toEqual(def('b', '2'));
      expect((await fs.stat(listed.spill.file)).mode & 0o777).toBe(0o600);
      await listed.dispose();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  test('the state file a capture names: read back from its zip comment; other zips name none', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dataarts-capture-'));
    try {
      const write = async (file: string, comment: string) => {
        const w = DeterministicZipWriter.open(path.join(dir, file));
        w.add('scripts/a.script', Buffer.from('{}'));
        await w.finish(comment);
        return fs.readFile(path.join(dir, file));
      };
      expect(captureStateFile(await write('ours.zip', 'dataarts backup scripts of the state /b/state.json'))).toBe('/b/state.json');
      expect(captureStateFile(await write('theirs.zip', 'made by another program'))).toBeUndefined();
      expect(captureStateFile(Buffer.from('not a zip at all, just some bytes long enough'))).toBeUndefined();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
