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
 * - Scripts no restored job carries (`allScripts`: a restore of the whole point): every other script
 *   of the point's recorded script list, from the same newest copies. The batch layout holds a
 *   script only in its job's folder (reference §3), so such a restore is written in the service's
 *   single-export layout (`jobs/{job}.job`, `scripts/`, `resources/`, reference §2), which `jobs
 *   import` reads and which carries a script without its job; without such scripts it stays batch.
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
import { compareEntryNames } from '../archive/zip-write.js';
import type { JobListItem } from '../export/manifest.js';
import { scriptListAt } from './script-list.js';

export interface ComposedEntry {
  name: string;
  data: Buffer;
}

export interface Composed {
  /** 'single' when it holds scripts no job carries (see above). */
  layout: 'batch' | 'single';
  /** In archive order. */
  entries: ComposedEntry[];
  /** Each job with the scripts and resources it carries (the manifest's job list), in archive order. */
  jobList: JobListItem[];
  /** Scripts in the archive that no job of it carries, sorted. */
  scriptsNoJobUses: string[];
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

/**
 * Compose the restore of `select.jobs` (names that existed at `point`); with `allScripts`, also
 * every script of the point that none of them carries.
 */
export async function composeRestore(access: ChainAccess, state: ExportState, point: number, select: { jobs: string[]; allScripts?: boolean }): Promise<Composed> {
  const { jobs: wanted } = select;
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
  const items = new Map<string, JobListItem>();
  const carried = new Set<string>();
  const folders = archiveOrder(wanted).map((job) => {
    const files = jobFiles.get(job)!;
    const leaves = [...files.keys()].sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
    const item: JobListItem = { name: job, jobType: jobTypes.get(job) ?? 'BATCH', scripts: [], resources: [] };
    for (const leaf of leaves) {
      if (leaf.endsWith('.script')) item.scripts.push(leaf.slice(0, -'.script'.length));
      else if (leaf.endsWith('.resource')) item.resources.push(leaf.slice(0, -'.resource'.length));
    }
    item.scripts.forEach((n) => carried.add(n));
    items.set(job, item);
    return { job, files, leaves };
  });
  // In the order asked (as the manifest of a batch restore always listed them).
  const jobList = wanted.map((j) => items.get(j)!);
  const scriptsNoJobUses = select.allScripts ? [...scriptListAt(state.runs, point).keys()].filter((n) => !carried.has(n)).sort() : [];
  const uncopied = scriptsNoJobUses.filter((n) => !shared.has(`${n}.script`));
  if (uncopied.length > 0) {
    throw new RefusedError(`the chain's archives lack ${uncopied.length} script(s) of this restore point: ${uncopied.slice(0, 10).join(', ')}`, uncopied.map((subject) => ({ subject, reason: 'in no archive or script capture of the chain' })), {
      hint: 'Restore the jobs by name (NAME... or --match: their own scripts only), or another point.',
    });
  }
  const copyOf = (f: { files: Map<string, Buffer> }, leaf: string) => shared.get(leaf) ?? f.files.get(leaf)!;
  const entries: ComposedEntry[] = [];
  if (scriptsNoJobUses.length === 0) {
    for (const f of folders) for (const leaf of f.leaves) entries.push({ name: `jobs/${f.job}/${leaf}`, data: leaf === `${f.job}.job` ? f.files.get(leaf)! : copyOf(f, leaf) });
  } else {
    // Single layout: each script and resource once, at the top level (shared copies are one version).
    const top = new Map<string, Buffer>();
    for (const f of folders) {
      entries.push({ name: `jobs/${f.job}.job`, data: f.files.get(`${f.job}.job`)! });
      for (const leaf of f.leaves) if (leaf !== `${f.job}.job`) top.set(`${singleFolderOf(f.job, leaf)}/${leaf}`, copyOf(f, leaf));
    }
    for (const n of scriptsNoJobUses) top.set(`scripts/${n}.script`, shared.get(`${n}.script`)!);
    for (const [name, data] of top) entries.push({ name, data });
    entries.sort((a, b) => compareEntryNames(a.name, b.name));
  }
  const scripts = new Map([...shared].filter(([leaf]) => leaf.endsWith('.script')).map(([leaf, data]) => [leaf.slice(0, -'.script'.length), data]));
  return {
    layout: scriptsNoJobUses.length === 0 ? 'batch' : 'single',
    entries, jobList, scriptsNoJobUses, jobTypes: new Map(wanted.map((j) => [j, jobTypes.get(j) ?? 'BATCH'])), archives, scripts,
  };
}

/** Where a job folder's file goes in the single layout; a file of neither kind has no place there. */
function singleFolderOf(job: string, leaf: string): 'scripts' | 'resources' {
  if (leaf.endsWith('.script')) return 'scripts';
  if (leaf.endsWith('.resource')) return 'resources';
  throw new RefusedError(`cannot write the restore in the single layout: jobs/${job}/${leaf} is neither a script nor a resource`, [{ subject: `jobs/${job}/${leaf}`, reason: 'unexpected file in a job folder' }], {
    hint: 'Restore the jobs by name (NAME... or --match): that restore keeps the batch layout.',
  });
}

/** The jobs at `point` (sorted). */
export function jobsAtPoint(state: ExportState, point: number): string[] {
  return [...jobListAt(state.runs, point).keys()].sort();
}


/** Newest night first; within a night its job archive before its script capture. */
function newestFirst(files: [ChainFile, string][]): [ChainFile, string][] {
  return [...files].sort(([a], [b]) => b.run - a.run || (a.kind === b.kind ? 0 : a.kind === 'jobs' ? -1 : 1));
}
