/**
 * Shared by the export tests: an emulator, the environment that points the CLI at it, what an
 * export of some jobs must contain (computed from the emulator's stored text, independently of
 * the tool), and a reader for the zips and trees the tool writes.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, type Emulator, type EmulatorOptions } from '../helpers/emulator.js';
import { readZipEntries } from '../../src/archive/zip-read.js';
import { EXPORT_BATCH_LIMITS } from '../../src/archive/limits.js';
import { emulatorEnv } from '../helpers/emulator-env.js';

export { startEmulator, type Emulator };

export async function startTestEmulator(options: EmulatorOptions): Promise<Emulator> {
  // DATAARTS_TEST_LIST_OFFSET=page0|page1 runs the export suites against a page-number service.
  const listOffset = process.env.DATAARTS_TEST_LIST_OFFSET as EmulatorOptions['listOffset'];
  return startEmulator({ port: 0, ...(listOffset ? { listOffset } : {}), ...options });
}

/** Environment for runCli / a child `node bin/dataarts.js` against the emulator (AK/SK, fast retries). */
export function cliEnv(emu: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  return emulatorEnv(emu, { DATAARTS_RETRY_THROTTLE_MS: '20', ...extra });
}

export async function makeTempDir(label: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `dataarts-export-${label}-`));
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

/**
 * What batch-export of `names` must give (reference §3): jobs/{job}/{job}.job with the stored
 * text, and unless jobsOnly, every script/resource the job names (that exists) beside it.
 */
export function expectedEntries(
  emu: Emulator,
  names: string[],
  options: { jobsOnly?: boolean; submit?: boolean; workspace?: string } = {},
): Map<string, string> {
  const ws = emu.state.workspace(options.workspace ?? 'default');
  const out = new Map<string, string>();
  for (const name of names) {
    const job = ws.jobs.get(name);
    if (!job) throw new Error(`no job ${name} in the emulator`);
    const text = options.submit ? job.submittedText ?? job.text : job.text;
    out.set(`jobs/${name}/${name}.job`, text);
    if (options.jobsOnly) continue;
    const json = JSON.parse(text) as Record<string, unknown>;
    for (const s of refsOf(json, 'scriptName')) {
      const script = ws.scripts.get(s);
      if (script) out.set(`jobs/${name}/${s}.script`, script.text);
    }
    for (const r of refsOf(json, 'resourceName')) {
      const resource = ws.resources.get(r);
      if (resource) out.set(`jobs/${name}/${r}.resource`, resource.text);
    }
  }
  return out;
}

/** Entries of a zip the tool wrote, as text. */
export async function zipContents(zipPath: string): Promise<Map<string, string>> {
  const entries = await readZipEntries(zipPath, EXPORT_BATCH_LIMITS);
  return new Map(entries.map((e) => [e.name, e.data.toString('utf8')]));
}

/** Entry names of a zip, in file order. */
export async function zipEntryNames(zipPath: string): Promise<string[]> {
  return (await readZipEntries(zipPath, EXPORT_BATCH_LIMITS)).map((e) => e.name);
}

/** Every file under `dir`, as entry-style relative paths → text. */
export async function treeContents(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string) => {
    for (const d of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) await walk(r);
      else out.set(r, await fs.readFile(path.join(dir, r), 'utf8'));
    }
  };
  await walk('');
  return out;
}

/** Compare two maps and describe the first differences (keeps jest output short on 250 jobs). */
export function mapDiff(actual: Map<string, string>, expected: Map<string, string>): string[] {
  const problems: string[] = [];
  for (const [k, v] of expected) {
    if (!actual.has(k)) problems.push(`missing ${k}`);
    else if (actual.get(k) !== v) problems.push(`different ${k}`);
  }
  for (const k of actual.keys()) if (!expected.has(k)) problems.push(`unexpected ${k}`);
  return problems.slice(0, 10);
}

/** Names of every export call the emulator saw. */
export function exportCalls(emu: Emulator): number {
  return emu.requests.filter((r) => /\/jobs\/(batch-export|[^/]+\/export)$/.test(r.path)).length;
}
