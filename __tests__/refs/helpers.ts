/** An emulator with a dev and a prod workspace whose connections are named differently. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { readZipEntries } from '../../src/archive/zip-read.js';
import { IMPORT_LIMITS } from '../../src/archive/limits.js';
import { dailyLoadJob, dliSqlScript, loadSqlScript, streamInJob } from './fixtures.js';
import { emulatorEnv } from '../helpers/emulator-env.js';

export type { Emulator };

export async function startDevProdEmulator(): Promise<Emulator> {
  const emu = await startEmulator({ port: 0, workspaces: ['dev', 'prod'] });
  const { state } = emu;
  state.putJob('dev', dailyLoadJob);
  state.putJob('dev', streamInJob);
  state.putScript('dev', loadSqlScript);
  state.putScript('dev', dliSqlScript);
  for (const [name, type] of [['dws', 'DWS'], ['hive', 'HIVE'], ['kafka', 'HOST']] as const) {
    state.addConnection('dev', { name: `dev_${name}`, type });
    state.addConnection('prod', { name: `prod_${name}`, type });
  }
  return emu;
}

/** Environment for runCli against the emulator, in one workspace (AK/SK, fast retries). */
export function cliEnv(emu: Emulator, workspace: string): Record<string, string> {
  return emulatorEnv(emu, { DATAARTS_WORKSPACE: workspace });
}

export async function makeTempDir(label: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `dataarts-refs-${label}-`));
}

/** A config file (owner-only, as the tool requires of files it reads) in `dir`. */
export async function writeConfig(dir: string, config: unknown): Promise<string> {
  const file = path.join(dir, '.dataartsrc.json');
  await fs.writeFile(file, JSON.stringify(config, null, 2), { mode: 0o600 });
  await fs.chmod(file, 0o600);
  return file;
}

/** Entries of a zip held in memory (e.g. the staged object in the emulator's OBS), as text. */
export async function zipBufferContents(data: Buffer, dir: string): Promise<Map<string, string>> {
  const file = path.join(dir, `staged-${Date.now()}-${Math.random().toString(16).slice(2)}.zip`);
  await fs.writeFile(file, data);
  try {
    const entries = await readZipEntries(file, IMPORT_LIMITS);
    return new Map(entries.map((e) => [e.name, e.data.toString('utf8')]));
  } finally {
    await fs.rm(file, { force: true });
  }
}
