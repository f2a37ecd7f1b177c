/**
 * The sidecar `{archive}.manifest.json`: the tool's own metadata, kept out of the archive (the
 * service would try to import any entry we added). The generation time lives only here, so the
 * archive bytes depend on nothing but the workspace state.
 */
import { promises as fs } from 'node:fs';
import { LocalFileError } from '../errors.js';
import { VERSION } from '../version.js';
import type { StagedEntry } from './batches.js';

export interface JobListItem {
  name: string;
  jobType: string;
  scripts: string[];
  resources: string[];
}

export interface ManifestInput {
  command: 'jobs export' | 'jobs export-workspace' | 'backups restore' | 'jobs import --rollback';
  workspace: string;
  layout: 'zip' | 'dir';
  archiveName: string;
  selection: Record<string, unknown>;
  generatedAt: Date;
  jobList: JobListItem[];
  /** In archive order (as the merge produced them). */
  entries: StagedEntry[];
  bytes: number;
  sha256: string;
}

/** `a.zip` → `a.zip.manifest.json`; a directory `out/` → `out.manifest.json` beside it. */
export function manifestPathFor(output: string): string {
  return `${output.replace(/[\\/]+$/, '')}.manifest.json`;
}

/** The short zip comment: no time, so identical workspace state gives identical bytes. */
export function zipComment(command: string, workspace: string, jobs: number): string {
  return `dataarts ${VERSION} ${command}; workspace ${workspace.replace(/[^\x20-\x7e]/g, '?')}; ${jobs} jobs; metadata in the .manifest.json sidecar`;
}

/** Per-job lists of scripts and resources, from the staged entries. */
export function buildJobList(entries: StagedEntry[], jobTypes: Map<string, string>): JobListItem[] {
  const byJob = new Map<string, JobListItem>();
  for (const [name, jobType] of jobTypes) byJob.set(name, { name, jobType, scripts: [], resources: [] });
  // Entries arrive from the merge in archive order already.
  for (const e of entries) {
    const item = byJob.get(e.job);
    if (!item) continue;
    const file = e.name.slice(`jobs/${e.job}/`.length);
    if (file.endsWith('.script')) item.scripts.push(file.slice(0, -'.script'.length));
    else if (file.endsWith('.resource')) item.resources.push(file.slice(0, -'.resource'.length));
  }
  return [...byJob.values()];
}

export function buildManifest(input: ManifestInput): Record<string, unknown> {
  return {
    manifestVersion: 1,
    tool: { name: 'dataarts', version: VERSION },
    command: input.command,
    generatedAt: input.generatedAt.toISOString(),
    workspace: input.workspace,
    layout: input.layout,
    selection: input.selection,
    archive: { name: input.archiveName, bytes: input.bytes, sha256: input.sha256 },
    jobs: input.jobList,
    entries: input.entries.map((e) => ({ name: e.name, size: e.size, sha256: e.sha256 })),
  };
}

/** Manifest entries serialised per write (a few hundred KB of JSON). */
const ENTRIES_PER_WRITE = 2000;

/**
 * Write the manifest file: exactly the bytes of `${JSON.stringify(buildManifest(input))}\n`
 * (compact JSON: indenting ~30,000 entries would roughly double the size), but the entry list is
 * serialised a slice at a time. Building the whole document as one string at the end of a
 * 10,000-job export (a ~4 MB string, its Buffer and a copy of every entry) was the peak of the
 * run's memory.
 */
/**
 * writeManifest into a staging file, a local write error (disk full, …) being exit 7 naming the
 * manifest's final path (the staging file is only ever a temporary name beside it).
 */
export async function writeManifestNamed(finalPath: string, file: string, input: ManifestInput): Promise<void> {
  try {
    await writeManifest(file, input);
  } catch (err) {
    const local = LocalFileError.from(err, 'write', finalPath);
    if (local instanceof LocalFileError && local.path !== finalPath) throw new LocalFileError('write', finalPath, err);
    throw local;
  }
}

export async function writeManifest(file: string, input: ManifestInput): Promise<void> {
  // `entries` is the last key, so the document is the head up to its empty list, then the entries.
  const head = JSON.stringify(buildManifest({ ...input, entries: [] }));
  const emptyTail = '"entries":[]}';
  if (!head.endsWith(emptyTail)) throw new Error('internal: the manifest must end with its entries');
  const out = await fs.open(file, 'w', 0o600);
  try {
    await out.write(head.slice(0, -2));
    for (let i = 0; i < input.entries.length; i += ENTRIES_PER_WRITE) {
      const slice = input.entries.slice(i, i + ENTRIES_PER_WRITE).map((e) => JSON.stringify({ name: e.name, size: e.size, sha256: e.sha256 }));
      await out.write(`${i === 0 ? '' : ','}${slice.join(',')}`);
    }
    await out.write(']}\n');
  } finally {
    await out.close();
  }
}
