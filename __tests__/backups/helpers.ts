/**
 * Shared by the backup tests: an emulator with a source workspace ('default', seeded) and empty
 * workspaces to restore into, ways to change the source between nights through the emulator's
 * state, and the restore → import → compare round trip.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { emulatorEnv } from '../helpers/emulator-env.js';

export type { Emulator };
export const STAGING = 'obs://dataarts-staging/backup-tests/';

export async function startBackupEmulator(seedJobs: number, restoreWorkspaces: string[] = []): Promise<Emulator> {
  const emu = await startEmulator({ port: 0, seedJobs, seed: 5, workspaces: ['default', ...restoreWorkspaces], importDelayMs: 1 });
  for (const ws of restoreWorkspaces) for (const c of emu.state.workspace('default').connections.values()) emu.state.addConnection(ws, c);
  return emu;
}

export async function tempDir(label: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `dataarts-backups-${label}-`));
}

export function cli(emu: Emulator, args: string[], cwd: string, workspace = 'default', now?: Date): Promise<CliResult> {
  // Runs started together share the per-user rate limits (each paces only itself): a throttled retry
  // must wait long enough for the one-second window to move on, as it does outside tests (2 s).
  return runCli(args, { env: emulatorEnv(emu, { DATAARTS_RETRY_THROTTLE_MS: '300', DATAARTS_WORKSPACE: workspace }), cwd, ...(now ? { now: () => now } : {}) });
}

const source = (emu: Emulator) => emu.state.workspace('default');

/** Change a job's description (its lastUpdateTime moves to now). */
export function changeJob(emu: Emulator, name: string, note: string): void {
  const json = JSON.parse(source(emu).jobs.get(name)!.text) as Record<string, unknown>;
  json.description = note;
  emu.state.putJob('default', JSON.stringify(json, null, 2));
}

/** A new job, a copy of `from` under another name. */
export function addJob(emu: Emulator, from: string, name: string): void {
  const json = JSON.parse(source(emu).jobs.get(from)!.text) as Record<string, unknown>;
  json.name = name;
  emu.state.putJob('default', JSON.stringify(json, null, 2));
}

export function deleteJob(emu: Emulator, name: string): void {
  source(emu).jobs.delete(name);
  emu.state.changed();
}

function refsOf(text: string, property: string): string[] {
  const json = JSON.parse(text) as { nodes?: { properties?: { name?: string; value?: unknown }[] }[] };
  return (json.nodes ?? []).flatMap((n) => (n.properties ?? []).filter((p) => p.name === property && typeof p.value === 'string' && p.value !== '').map((p) => p.value as string));
}

/** A job that uses a script, and that script's name. */
export function jobWithScript(emu: Emulator, skip: Set<string> = new Set()): { job: string; script: string } {
  for (const [name, job] of source(emu).jobs) {
    if (skip.has(name)) continue;
    const script = refsOf(job.text, 'scriptName').find((s) => source(emu).scripts.has(s));
    if (script) return { job: name, script };
  }
  throw new Error('no job with a script');
}

/** Change a script and touch the job that carries it (a script change alone is not in the job list). */
export function changeScript(emu: Emulator, job: string, script: string, content: string): void {
  const json = { ...source(emu).scripts.get(script)!.json, content };
  emu.state.putScript('default', JSON.stringify(json, null, 2));
  changeJob(emu, job, `script ${script} changed`);
}

/** Every job of a workspace with the scripts and resources it names, as files (batch-export paths → text). */
export function workspaceFiles(emu: Emulator, workspace: string): Map<string, string> {
  const ws = emu.state.workspace(workspace);
  const out = new Map<string, string>();
  for (const [name, job] of ws.jobs) {
    out.set(`jobs/${name}/${name}.job`, job.text);
    for (const s of refsOf(job.text, 'scriptName')) {
      const script = ws.scripts.get(s);
      if (script) out.set(`jobs/${name}/${s}.script`, script.text);
    }
    for (const r of refsOf(job.text, 'resourceName')) {
      const resource = ws.resources.get(r);
      if (resource) out.set(`jobs/${name}/${r}.resource`, resource.text);
    }
  }
  return out;
}

/** The first differences between two file maps (short jest output). */
export { mapDiff as fileDiff } from '../export/helpers.js';

export function requestsTo(emu: Emulator, pattern: RegExp): number {
  return emu.requests.filter((r) => pattern.test(r.path)).length;
}
