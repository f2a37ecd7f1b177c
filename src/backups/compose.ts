/**
 * `backups restore`: the workspace as it was at one restore point, composed offline from its
 * chain's archives (the full one and the increments up to the point), each checked against its
 * recorded sha256 first.
 *
 * - The jobs: those in the point's recorded job list (deleted ones included, later ones excluded).
 * - Each job: its folder from the newest archive of the chain that holds its `.job`.
 * - Each script and resource a job carries: the newest copy of that file name in the chain (a
 *   script shared by two jobs is then one version in both folders, as in the workspace). The
 *   nights' script captures (`{archive}.scripts.zip`, script-capture.ts) count as copies of their
 *   night, so a script changed without its job is restored as it was; within one night the copy the
 *   service exported with the job is preferred (the same content, the service's own bytes).
 */
import { promises as fs } from 'node:fs';
import { readZipEntries } from '../archive/zip-read.js';
import { EXPORT_BATCH_LIMITS } from '../archive/limits.js';
import { RefusedError } from '../errors.js';
import { archiveOrder } from '../export/batches.js';
import { jobListAt, type ExportState } from './state-file.js';
import { manifestPathFor } from '../export/manifest.js';
import { fetchCheckedArchive, readTreeFiles } from './archive-check.js';
import { locationFromRecord, type Location } from './location.js';
import type { Repository } from './repository.js';
import type { Scratch } from './scratch.js';
import { filesNeededBy, type ChainFile } from './chain.js';

export interface ComposedEntry {
  name: string;
  data: Buffer;
}

export interface Composed {
  /** In archive order. */
  entries: ComposedEntry[];
  /** Job name → job type (from the archives' manifests; 'BATCH' when unknown). */
  jobTypes: Map<string, string>;
  /** The archives read (locations), oldest first. */
  archives: string[];
  /** Every script the chain holds as of the point (job folders and night captures): name → `.script` bytes. */
  scripts: Map<string, Buffer>;
}

/** Where the chain is and how to reach it: the repository, the state file, scratch space for OBS. */
export interface ChainAccess {
  repo: Repository;
  stateFile: Location;
  scratch: () => Promise<Scratch>;
}

/**
 * Check every archive restoring `point` reads (hashed whole; OBS ones downloaded first); exit 4
 * naming each missing or damaged one. Returns their locations and the local files to read.
 */
export async function checkChainArchives(access: ChainAccess, state: ExportState, point: number): Promise<{ archives: Location[]; files: Map<ChainFile, string> }> {
  const archives: Location[] = [];
  const files = new Map<ChainFile, string>();
  const refusals: { subject: string; reason: string }[] = [];
  // Job archives and the nights' script captures: both are read, so both are checked.
  for (const f of filesNeededBy(state.runs, point)) {
    const loc = locationFromRecord(access.stateFile, f.path);
    archives.push(loc);
    const checked = await fetchCheckedArchive(access.repo, loc, { recorded: f, scratch: access.scratch });
    if ('problem' in checked) refusals.push({ subject: loc, reason: checked.problem });
    else files.set(f, checked.file);
  }
  if (refusals.length > 0) {
    throw new RefusedError(`cannot restore: ${refusals.map((r) => `${r.subject} is ${r.reason}`).join('; ')}`, refusals, {
      hint: 'Restore an older or newer point whose archives are intact (`dataarts backups list`).',
    });
  }
  return { archives, files };
}

async function readArchiveFiles(file: string, layout: 'zip' | 'dir'): Promise<{ name: string; data: Buffer }[]> {
  return layout === 'dir' ? readTreeFiles(file) : readZipEntries(file, EXPORT_BATCH_LIMITS);
}

async function jobTypesFromManifest(file: string, into: Map<string, string>): Promise<void> {
  try {
    const doc = JSON.parse(await fs.readFile(manifestPathFor(file), 'utf8')) as { jobs?: { name: string; jobType: string }[] };
    for (const j of doc.jobs ?? []) if (!into.has(j.name)) into.set(j.name, j.jobType);
  } catch {
    // no manifest: job types stay unknown
  }
}

/** Compose the restore of `wanted` (names that existed at `point`). */
export async function composeRestore(access: ChainAccess, state: ExportState, point: number, wanted: string[]): Promise<Composed> {
  const { archives, files } = await checkChainArchives(access, state, point);
  const want = new Set(wanted);
  /** job → its files (name within the folder → bytes), from the newest archive holding its .job */
  const jobFiles = new Map<string, Map<string, Buffer>>();
  /** `S.script` / `R.resource` → newest bytes */
  const shared = new Map<string, Buffer>();
  const jobTypes = new Map<string, string>();
  for (const [f, file] of newestFirst([...files])) {
    if (f.kind === 'scripts') {
      for (const e of await readZipEntries(file, EXPORT_BATCH_LIMITS)) {
        const leaf = e.name.startsWith('scripts/') ? e.name.slice('scripts/'.length) : undefined;
        if (leaf?.endsWith('.script') && !shared.has(leaf)) shared.set(leaf, e.data);
      }
      continue;
    }
    await jobTypesFromManifest(file, jobTypes);
    const byJob = new Map<string, Map<string, Buffer>>();
    for (const e of await readArchiveFiles(file, f.layout)) {
      const parts = e.name.split('/');
      if (parts.length !== 3 || parts[0] !== 'jobs') continue;
      const [, job, leaf] = parts as [string, string, string];
      if (leaf !== `${job}.job` && !shared.has(leaf)) shared.set(leaf, e.data);
      let files = byJob.get(job);
      if (!files) byJob.set(job, (files = new Map()));
      files.set(leaf, e.data);
    }
    for (const [job, files] of byJob) {
      if (want.has(job) && !jobFiles.has(job) && files.has(`${job}.job`)) jobFiles.set(job, files);
    }
  }
  const missing = wanted.filter((j) => !jobFiles.has(j));
  if (missing.length > 0) {
    throw new RefusedError(`the chain's archives lack ${missing.length} job(s) of this restore point: ${missing.slice(0, 10).join(', ')}`, missing.map((subject) => ({ subject, reason: 'in no archive of the chain' })), {
      hint: 'Its archives were made with a selection that left them out; restore another point.',
    });
  }
  const entries: ComposedEntry[] = [];
  for (const job of archiveOrder(wanted)) {
    const files = jobFiles.get(job)!;
    const leaves = [...files.keys()].sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
    for (const leaf of leaves) {
      const data = leaf === `${job}.job` ? files.get(leaf)! : shared.get(leaf) ?? files.get(leaf)!;
      entries.push({ name: `jobs/${job}/${leaf}`, data });
    }
  }
  const scripts = new Map([...shared].filter(([leaf]) => leaf.endsWith('.script')).map(([leaf, data]) => [leaf.slice(0, -'.script'.length), data]));
  return { entries, jobTypes: new Map(wanted.map((j) => [j, jobTypes.get(j) ?? 'BATCH'])), archives, scripts };
}

/** The jobs at `point` (sorted). */
export function jobsAtPoint(state: ExportState, point: number): string[] {
  return [...jobListAt(state.runs, point).keys()].sort();
}


/** Newest night first; within a night its job archive before its script capture. */
function newestFirst(files: [ChainFile, string][]): [ChainFile, string][] {
  return [...files].sort(([a], [b]) => b.run - a.run || (a.kind === b.kind ? 0 : a.kind === 'jobs' ? -1 : 1));
}
