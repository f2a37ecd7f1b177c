/**
 * Shared by the import tests: an emulator with a 'dev' workspace (seeded) and a 'prod' one (same
 * connections, so references check out), the environment pointing the CLI at it, archives built
 * from the emulator's stored texts (batch-export layout, independently of the tool), and
 * questions about what reached the service.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, type Emulator, type EmulatorOptions } from '../helpers/emulator.js';
import { DeterministicZipWriter, compareEntryNames } from '../../src/archive/zip-write.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { emulatorEnv } from '../helpers/emulator-env.js';

export { type Emulator };

export const STAGING = 'obs://dataarts-staging/import-tests/';

export async function startImportEmulator(options: EmulatorOptions & { seedJobs?: number } = {}): Promise<Emulator> {
  // DATAARTS_TEST_LIST_OFFSET=page0|page1 runs the import suites against a page-number service.
  const listOffset = process.env.DATAARTS_TEST_LIST_OFFSET as EmulatorOptions['listOffset'];
  const emu = await startEmulator({ port: 0, workspaces: ['dev', 'prod'], seedWorkspace: 'dev', seedJobs: 6, importDelayMs: 2, ...(listOffset ? { listOffset } : {}), ...options });
  for (const connection of emu.state.workspace('dev').connections.values()) emu.state.addConnection('prod', connection);
  return emu;
}

export function importEnv(emu: Emulator, workspace = 'prod', extra: Record<string, string> = {}): Record<string, string> {
  return emulatorEnv(emu, { DATAARTS_WORKSPACE: workspace, ...extra });
}

/** Working directory of imports that name none: an overwrite writes its rollback archive there, never into the repository. */
let defaultCwd: string | undefined;
function importCwd(): string {
  defaultCwd ??= mkdtempSync(path.join(os.tmpdir(), 'dataarts-import-cwd-'));
  return defaultCwd;
}

export function importCli(emu: Emulator, args: string[], options: { workspace?: string; env?: Record<string, string>; cwd?: string; signal?: AbortSignal } = {}): Promise<CliResult> {
  return runCli(['jobs', 'import', ...args], {
    env: importEnv(emu, options.workspace ?? 'prod', options.env),
    cwd: options.cwd ?? importCwd(),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

export async function tempDir(label: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `dataarts-import-${label}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

function refsOf(json: Record<string, unknown>, property: string): string[] {
  const out = new Set<string>();
  for (const node of (Array.isArray(json.nodes) ? json.nodes : []) as Record<string, unknown>[]) {
    for (const p of (Array.isArray(node?.properties) ? node.properties : []) as Record<string, unknown>[]) {
      if (p?.name === property && typeof p.value === 'string' && p.value !== '') out.add(p.value);
    }
  }
  return [...out];
}

/** The batch-export entries of `names` in a workspace, from the emulator's stored texts. */
export function workspaceEntries(emu: Emulator, workspace: string, names: string[]): Map<string, Buffer> {
  const ws = emu.state.workspace(workspace);
  const out = new Map<string, Buffer>();
  for (const name of names) {
    const job = ws.jobs.get(name)!;
    out.set(`jobs/${name}/${name}.job`, Buffer.from(job.text));
    const json = JSON.parse(job.text) as Record<string, unknown>;
    for (const s of refsOf(json, 'scriptName')) {
      const script = ws.scripts.get(s);
      if (script) out.set(`jobs/${name}/${s}.script`, Buffer.from(script.text));
    }
    for (const r of refsOf(json, 'resourceName')) {
      const resource = ws.resources.get(r);
      if (resource) out.set(`jobs/${name}/${r}.resource`, Buffer.from(resource.text));
    }
  }
  return out;
}

export async function writeZip(file: string, entries: Map<string, Buffer>): Promise<string> {
  await rm(file, { force: true });
  const writer = DeterministicZipWriter.open(file);
  for (const name of [...entries.keys()].sort(compareEntryNames)) writer.add(name, entries.get(name)!);
  await writer.finish();
  return file;
}

/** An archive of jobs of the seeded 'dev' workspace (all of them by default). */
export async function devArchive(emu: Emulator, dir: string, names?: string[], fileName = 'jobs.zip'): Promise<string> {
  const all = names ?? [...emu.state.workspace('dev').jobs.keys()].sort();
  return writeZip(path.join(dir, fileName), workspaceEntries(emu, 'dev', all));
}

export async function writeFileIn(dir: string, name: string, data: Buffer | string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, data);
  return file;
}

/** OBS uploads the emulator saw (any bucket). */
export function obsPuts(emu: Emulator): number {
  return emu.requests.filter((r) => r.method === 'PUT' && !r.path.startsWith('/v1/')).length;
}

/** Import calls that reached the wire (faulted ones included). */
export function importRequests(emu: Emulator): number {
  return emu.requests.filter((r) => r.method === 'POST' && /\/jobs\/import$/.test(r.path)).length;
}

export function stagedKeys(emu: Emulator): string[] {
  return emu.state.obsKeys(emu.credentials.bucket);
}

/** Empty a workspace of jobs, scripts and resources (and tell the emulator, which caches listings). */
export function clearWorkspace(emu: Emulator, workspace: string): void {
  const ws = emu.state.workspace(workspace);
  ws.jobs.clear();
  ws.scripts.clear();
  ws.resources.clear();
  emu.state.changed();
}

/** The dev workspace's job names (sorted) and one job of each type, for tests that need both. */
export function devJobs(emu: Emulator): { names: string[]; batchJob: string; realTimeJob: string } {
  const dev = emu.state.workspace('dev').jobs;
  const names = [...dev.keys()].sort();
  return {
    names,
    batchJob: names.find((n) => dev.get(n)!.jobType === 'BATCH')!,
    realTimeJob: names.find((n) => dev.get(n)!.jobType === 'REAL_TIME')!,
  };
}

/** The release journal a run printed ("Release journal: PATH (…"). */
export function journalOf(stderr: string): string {
  const m = /Release journal: (\S+)\n/.exec(stderr);
  if (!m) throw new Error(`no release journal in:\n${stderr}`);
  return m[1]!;
}
