/**
 * One run at a time per state file: two real processes started together on one state file (one
 * succeeds, the other exits 4 naming the first's pid and host; the state stays whole), a lock left
 * by a dead process is taken over with a warning, one from another host is respected.
 * The child processes run dist/ (build with tsc first).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { emulatorEnv } from '../helpers/emulator-env.js';
import { cli, startBackupEmulator, tempDir, type Emulator } from './helpers.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/dataarts.js');
let emu: Emulator;
let dir: string;

beforeAll(async () => {
  emu = await startBackupEmulator(12);
  dir = await tempDir('lock');
});
afterAll(async () => {
  await emu?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

function child(args: string[]): { pid: number; done: Promise<{ code: number; stdout: string; stderr: string }> } {
  const p = spawn(process.execPath, [bin, ...args], { cwd: dir, env: { PATH: process.env.PATH, ...emulatorEnv(emu) } });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (c) => (stdout += c));
  p.stderr.on('data', (c) => (stderr += c));
  return { pid: p.pid!, done: new Promise((resolve) => p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))) };
}

describe('{state-file}.lock', () => {
  test('two processes on one state file at once: one succeeds, the other exits 4 naming its pid and host; the state is whole', async () => {
    emu.setLatency(150); // the winner holds the lock while it lists and exports
    try {
      const args = ['jobs', 'export-workspace', '--state-file', 'state.json', '-o', 'out/', '--no-progress'];
      const a = child(args);
      const b = child(args);
      const [ra, rb] = await Promise.all([a.done, b.done]);
      const codes = [ra.code, rb.code].sort();
      expect(codes).toEqual([0, 4]);
      const [winner, loser] = ra.code === 0 ? [a, rb] : [b, ra];
      expect(loser.stderr).toContain(`pid ${winner.pid}`);
      expect(loser.stderr).toContain(os.hostname());
      expect(loser.stdout).toBe('');
      const state = JSON.parse(await fs.readFile(path.join(dir, 'state.json'), 'utf8'));
      expect(state.runs).toHaveLength(1);
      expect(existsSync(path.join(dir, 'state.json.lock'))).toBe(false);
    } finally {
      emu.setLatency(0);
    }
  }, 60_000);

  test('a lock left by a dead process is taken over with a warning', async () => {
    const dead = spawnSync('true').pid!;
    await fs.writeFile(path.join(dir, 'state.json.lock'), JSON.stringify({ pid: dead, host: os.hostname(), startedAt: '2026-11-01T00:00:00.000Z', token: 'x' }));
    const r = await cli(emu, ['jobs', 'export-workspace', '--state-file', 'state.json', '-o', 'out/'], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('took over');
    expect(r.stderr).toContain(`pid ${dead}`);
    expect(existsSync(path.join(dir, 'state.json.lock'))).toBe(false);
  });

  test('a lock held on another host is respected (exit 4 naming pid and host), before any request', async () => {
    // Started a minute ago on another host (the lock file of an earlier release): live, since a
    // lock is stale only 30 minutes after its last refresh (or start).
    const fresh = new Date(Date.now() - 60_000).toISOString();
    await fs.writeFile(path.join(dir, 'state.json.lock'), JSON.stringify({ pid: 4242, host: 'backup-host-2', startedAt: fresh, token: 'y' }));
    const before = emu.requests.length;
    const r = await cli(emu, ['jobs', 'export-workspace', '--state-file', 'state.json', '-o', 'out/'], dir);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('pid 4242');
    expect(r.stderr).toContain('backup-host-2');
    expect(emu.requests.length).toBe(before);
    expect(existsSync(path.join(dir, 'state.json.lock'))).toBe(true);
    await fs.rm(path.join(dir, 'state.json.lock'));
  });
});
