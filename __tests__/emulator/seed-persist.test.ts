import { describe, expect, test } from '@jest/globals';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../helpers/emulator.js';
import { persistTo } from '../../src/emulator/persist.js';
import { EmulatorState } from '../../src/emulator/state.js';
import { call, obsPut } from './helpers.js';

const NAME_RULE = /^[A-Za-z0-9_.-]{1,128}$/;

describe('emulator: seeding and persistence', () => {
  test('same seed, same data; realistic variety', async () => {
    const a = await startEmulator({ seedJobs: 60, seed: 42 });
    const b = await startEmulator({ seedJobs: 60, seed: 42 });
    const c = await startEmulator({ seedJobs: 60, seed: 43 });
    try {
      const texts = (e: typeof a) => [...e.state.workspace('default').jobs.values()].map((j) => [j.name, j.text, j.status]);
      expect(texts(b)).toEqual(texts(a));
      expect(texts(c)).not.toEqual(texts(a));
      const jobs = [...a.state.workspace('default').jobs.values()];
      expect(jobs).toHaveLength(60);
      expect(jobs.every((j) => NAME_RULE.test(j.name))).toBe(true);
      expect(new Set(jobs.map((j) => j.jobType))).toEqual(new Set(['BATCH', 'REAL_TIME']));
      const zones = new Set<string>();
      for (const j of jobs) for (const m of j.text.matchAll(/"expressionTimeZone": "([^"]+)"/g)) zones.add(m[1]!);
      expect(zones.size).toBeGreaterThanOrEqual(4);
      expect(jobs.some((j) => j.jobType === 'REAL_TIME' && j.text.includes('"cronTrigger"'))).toBe(true);
      expect(new Set(jobs.map((j) => j.status)).size).toBeGreaterThanOrEqual(2);
      const ws = a.state.workspace('default');
      expect([...ws.connections.keys()]).toContain('dev_dws');
      // Every script a job names exists, and some are shared by several jobs.
      const uses = new Map<string, number>();
      for (const j of jobs) for (const m of j.text.matchAll(/"name": "scriptName",\s*"value": "([^"]+)"/g)) uses.set(m[1]!, (uses.get(m[1]!) ?? 0) + 1);
      expect([...uses.keys()].every((s) => ws.scripts.has(s))).toBe(true);
      expect([...uses.values()].some((n) => n > 1)).toBe(true);
      const now = Date.now();
      expect(jobs.every((j) => j.lastUpdateTime <= now && j.lastUpdateTime > now - 31 * 86400_000)).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  test('dataDir: state written atomically and loaded at the next start', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'emu-data-'));
    try {
      const first = await startEmulator({ dataDir: dir, seedJobs: 5, workspaces: ['ws2'], rateLimits: false });
      const def = { name: 'persisted_job', processType: 'BATCH', nodes: [{ name: 'n', type: 'Dummy', properties: [] }], schedule: { type: 'EXECUTE_ONCE' } };
      expect((await call(first, 'POST', 'jobs', { body: def, workspace: 'ws2' })).status).toBe(204);
      await obsPut(first, 'dataarts-staging', 'kept.bin', Buffer.from('hello'));
      first.state.setJobStatus('default', 'job_00002', 'SCHEDULING');
      const text = first.state.workspace('default').jobs.get('job_00001')!.text;
      await first.close();
      expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      const second = await startEmulator({ dataDir: dir, seedJobs: 5 });
      try {
        expect(second.state.workspace('ws2').jobs.get('persisted_job')!.lockedBy).toBe(second.credentials.username);
        expect(second.state.workspace('default').jobs.get('job_00001')!.text).toBe(text);
        expect(second.state.workspace('default').jobs.get('job_00002')!.status).toBe('SCHEDULING');
        expect(second.state.workspace('default').jobs.size).toBe(5);
        expect(second.state.obsObject('dataarts-staging', 'kept.bin')!.toString()).toBe('hello');
      } finally {
        await second.close();
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  test('dataDir: a burst of changes is written at most once an interval, each write whole, the last one on flush', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'emu-data-'));
    const state = new EmulatorState('user');
    state.addWorkspace('default');
    const persisted = persistTo(state, dir, 150);
    try {
      const file = path.join(dir, 'emulator-state.json');
      const started = Date.now();
      let n = 0;
      // ~400 ms of changes every 2 ms (an import's pace): ~200 changes, 3-4 writes, not 200.
      while (Date.now() - started < 400) {
        state.addConnection('default', { name: `c${n++}`, type: 'DWS' });
        persisted.changed();
        await new Promise((r) => setTimeout(r, 2));
        // Whatever moment a reader (or a crash) picks, the file is a whole state.
        if (n % 25 === 0 && persisted.writes > 0) expect(JSON.parse(await fs.readFile(file, 'utf8')).version).toBe(1);
      }
      const elapsed = Date.now() - started;
      expect(persisted.writes).toBeLessThanOrEqual(Math.ceil(elapsed / 150) + 1);
      await persisted.flush();
      expect(persisted.writes).toBeGreaterThanOrEqual(1);
      const saved = JSON.parse(await fs.readFile(file, 'utf8')) as { workspaces: { connections: unknown[] }[] };
      expect(saved.workspaces[0]!.connections).toHaveLength(n);
      expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    } finally {
      // Nothing may still be writing into the directory being removed.
      await persisted.flush().catch(() => undefined);
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
