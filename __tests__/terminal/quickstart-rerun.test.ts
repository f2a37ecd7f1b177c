/** The quick start's steps can be run again: the user's own command, and with --keep the emulator's state and export lines. */
import { describe, expect, test } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launcherCommand } from '../../src/commands/quickstart-launcher.js';
import { startEmulator } from '../helpers/emulator.js';
import { runCli } from '../helpers/cli.js';

describe('the command the user has', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dataarts-launcher-'));
  const bin = path.join(dir, 'pathbin');
  mkdirSync(bin);

  test('node bin/dataarts.js from a checkout, relative to where the user is', () => {
    expect(launcherCommand({ pathVar: '/nonexistent', cwd: '/src/dataarts', script: '/src/dataarts/bin/dataarts.js' })).toBe('node bin/dataarts.js');
    expect(launcherCommand({ pathVar: '/nonexistent', cwd: '/elsewhere', script: '/src/dataarts/bin/dataarts.js' })).toBe('node /src/dataarts/bin/dataarts.js');
  });

  test('npx dataarts when neither; dataarts when it is on PATH', () => {
    expect(launcherCommand({ pathVar: bin, cwd: dir, script: '/usr/lib/node_modules/jest/bin/jest.js' })).toBe('npx dataarts');
    writeFileSync(path.join(bin, 'dataarts'), '#!/bin/sh\n');
    chmodSync(path.join(bin, 'dataarts'), 0o755);
    expect(launcherCommand({ pathVar: `/nonexistent${path.delimiter}${bin}`, cwd: dir, script: '/src/dataarts/bin/dataarts.js' })).toBe('dataarts');
  });
});

describe('quickstart --keep', () => {
  test('prints the emulator command and export lines; a printed step run again lists the imported jobs', async () => {
    const r = await runCli(['quickstart', '--jobs', '3', '--keep'], { env: { PATH: '/nonexistent' } });
    expect(r.code).toBe(0);
    // Every step names the command the user has (not on PATH here: npx).
    expect(r.stderr).toMatch(/^\$ DATAARTS_WORKSPACE=dev npx dataarts jobs export --all/m);
    const emulatorLine = /^\$ npx dataarts emulator --data-dir (\S+) --port (\d+) &$/m.exec(r.stderr);
    expect(emulatorLine).not.toBeNull();
    const env = Object.fromEntries([...r.stderr.matchAll(/^export (\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(Object.keys(env).sort()).toEqual(['DATAARTS_ENDPOINT', 'DATAARTS_IAM_ENDPOINT', 'DATAARTS_OBS_ENDPOINT', 'DATAARTS_PROJECT_ID', 'HUAWEICLOUD_SDK_AK', 'HUAWEICLOUD_SDK_SK']);
    const [, dataDir, port] = emulatorLine!;
    const emu = await startEmulator({ dataDir, port: Number(port) });
    try {
      const again = await runCli(['jobs', 'list', '--json'], { env: { ...env, DATAARTS_WORKSPACE: 'prod' } });
      expect(again.code).toBe(0);
      expect((JSON.parse(again.stdout) as { total: number }).total).toBe(3);
    } finally {
      await emu.close();
      rmSync(path.dirname(dataDir!), { recursive: true, force: true });
    }
  });
});
