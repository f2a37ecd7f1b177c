/**
 * An archive (zip or directory) as jobs, scripts and resources, in either of the service's layouts
 * (reference §2 single export, §3 batch export):
 *
 *   batch:  jobs/{job}/{job}.job, with that job's {script}.script and {resource}.resource beside it
 *   single: jobs/{job}.job, scripts/{script}.script, resources/{resource}.resource
 *
 * Every problem found (unsafe entries, stray files, bad JSON, name mismatches, conflicting copies
 * of a script) is collected and thrown together as one ArchiveError, so the user fixes everything
 * at once.
 */
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ArchiveError, LocalFileError, type Refusal } from '../errors.js';
import { IMPORT_LIMITS, type ArchiveLimits } from './limits.js';
import { entryNameProblem } from './safe-path.js';
import { compareEntryNames } from './zip-write.js';
import { readZipEntries, type ZipEntryData } from './zip-read.js';
import { runSteps, runStepsYielding } from '../util/steps.js';

export type ArchiveLayout = 'batch' | 'single';
export type ArchiveFileKind = 'job' | 'script' | 'resource';

export interface ArchiveFile {
  kind: ArchiveFileKind;
  /** The object's name (file name without extension; equals the JSON's `name`). */
  name: string;
  /** Entry path inside the archive. */
  entry: string;
  data: Buffer;
  json: Record<string, unknown>;
}

export interface ArchiveJob extends ArchiveFile {
  kind: 'job';
  jobType: 'BATCH' | 'REAL_TIME';
  directory?: string;
  /** Scripts the job's nodes name (`properties[].name === 'scriptName'`), sorted, unique. */
  scriptNames: string[];
  /** Resources the job's nodes name (`properties[].name === 'resourceName'` (inferred)), sorted, unique. */
  resourceNames: string[];
  /**
   * Entries that travel with this job: in the batch layout every other file of its folder; in the
   * single layout the entries of the scripts and resources it names that the archive holds
   * (inferred), so an archive can be split either way without losing a job's dependencies.
   */
  companions: string[];
}

export interface ArchiveModel {
  source: string;
  layout: ArchiveLayout;
  jobs: ArchiveJob[];
  /** One per script name (the batch layout may carry identical copies in several job folders). */
  scripts: ArchiveFile[];
  resources: ArchiveFile[];
  /** Every file entry, sorted by compareEntryNames. */
  entries: { name: string; size: number }[];
  unpackedBytes: number;
  /** Size of the zip file; absent for a directory. */
  zipBytes?: number;
}

const EXTENSION: Record<ArchiveFileKind, string> = { job: '.job', script: '.script', resource: '.resource' };
const SINGLE_FOLDER: Record<ArchiveFileKind, string> = { job: 'jobs', script: 'scripts', resource: 'resources' };

/** Entry path of a job file. */
export function jobFileEntry(layout: ArchiveLayout, jobName: string): string {
  return layout === 'batch' ? `jobs/${jobName}/${jobName}.job` : `jobs/${jobName}.job`;
}

/** Entry path of a script or resource file; the batch layout needs the job it travels with. */
export function dependencyFileEntry(layout: ArchiveLayout, kind: 'script' | 'resource', name: string, jobName?: string): string {
  if (layout === 'batch') {
    if (jobName === undefined) throw new Error('dependencyFileEntry: the batch layout needs the job name');
    return `jobs/${jobName}/${name}${EXTENSION[kind]}`;
  }
  return `${SINGLE_FOLDER[kind]}/${name}${EXTENSION[kind]}`;
}

/**
 * The job names entry names stand for: every `.job` file, named by its file name (jobs/{job}.job,
 * jobs/{job}/{job}.job). A model read from the same entries names exactly these jobs, or is refused.
 */
export function jobNamesOfEntries(names: string[]): Set<string> {
  const jobs = new Set<string>();
  for (const name of names) {
    const base = path.posix.basename(name);
    if (kindOfFileName(base) === 'job') jobs.add(base.slice(0, -EXTENSION.job.length));
  }
  return jobs;
}

/** Reads and checks a zip file or a directory; throws one ArchiveError listing every problem. */
export async function readArchive(pathToZipOrDir: string, limits: ArchiveLimits = IMPORT_LIMITS): Promise<ArchiveModel> {
  // The path the user names may itself be a symlink (their choice); nothing inside it may be.
  // Missing or unreadable: a local-file problem (exit 7, the path and the reason in words).
  const info = await stat(pathToZipOrDir).catch((err: unknown) => {
    throw LocalFileError.from(err, 'read', pathToZipOrDir);
  });
  let files: ZipEntryData[];
  let zipBytes: number | undefined;
  if (info.isDirectory()) {
    files = await readDirectoryEntries(pathToZipOrDir, limits).catch((err: unknown) => {
      throw LocalFileError.from(err, 'read', pathToZipOrDir);
    });
  } else {
    files = await readZipEntries(pathToZipOrDir, limits);
    zipBytes = info.size;
  }
  return runStepsYielding(modelSteps(pathToZipOrDir, files, zipBytes));
}

/** Files parsed between two yields to the event loop while an archive is read (readArchive). */
const FILES_PER_STEP = 100;

/**
 * The raw entries of a zip file or a directory (same checks as readArchive, no parsing), with the
 * zip's size; `buildModel` turns them into the model. For callers that need the bytes of every
 * entry, e.g. to check them against a manifest.
 */
export async function readArchiveEntries(pathToZipOrDir: string, limits: ArchiveLimits = IMPORT_LIMITS): Promise<{ files: ZipEntryData[]; zipBytes?: number }> {
  const info = await stat(pathToZipOrDir).catch((err: unknown) => {
    throw LocalFileError.from(err, 'read', pathToZipOrDir);
  });
  if (info.isDirectory()) {
    const files = await readDirectoryEntries(pathToZipOrDir, limits).catch((err: unknown) => {
      throw LocalFileError.from(err, 'read', pathToZipOrDir);
    });
    return { files };
  }
  return { files: await readZipEntries(pathToZipOrDir, limits), zipBytes: info.size };
}

/** Builds the model from already-read entries (exposed for callers that hold entries in memory). */
export function buildModel(source: string, files: ZipEntryData[], zipBytes?: number): ArchiveModel {
  return runSteps(modelSteps(source, files, zipBytes));
}

/**
 * The model built a step at a time, each step FILES_PER_STEP files parsed: readArchive lets the
 * event loop run in between (at 2,500 jobs the parse is a few hundred milliseconds, and an import
 * reading the workspace meanwhile must start its paced calls on time).
 */
function* modelSteps(source: string, files: ZipEntryData[], zipBytes?: number): Generator<void, ArchiveModel> {
  let parsed = 0;
  const problems: Refusal[] = [];
  const problem = (subject: string, reason: string) => problems.push({ subject, reason });
  const sorted = files.slice().sort((a, b) => compareEntryNames(a.name, b.name));

  const isBatchEntry = (name: string) => name.startsWith('jobs/') && name.split('/').length >= 3;
  const isSingleEntry = (name: string) => !isBatchEntry(name);
  const layout: ArchiveLayout = sorted.some((f) => isBatchEntry(f.name)) ? 'batch' : 'single';
  if (sorted.length === 0) problem(source, 'empty archive: no files');

  const jobs: ArchiveJob[] = [];
  const scriptsByName = new Map<string, ArchiveFile>();
  const resourcesByName = new Map<string, ArchiveFile>();
  const jobFolders = new Map<string, ZipEntryData[]>();

  const addDependency = (file: ArchiveFile, byName: Map<string, ArchiveFile>) => {
    const existing = byName.get(file.name);
    if (existing === undefined) byName.set(file.name, file);
    else if (!existing.data.equals(file.data)) {
      problem(file.entry, `${file.kind} ${JSON.stringify(file.name)} differs from the copy in ${existing.entry}`);
    } else if (layout === 'single') {
      problem(file.entry, `duplicate ${file.kind} ${JSON.stringify(file.name)}`);
    }
  };

  for (const file of sorted) {
    if (++parsed % FILES_PER_STEP === 0) yield;
    const segments = file.name.split('/');
    if (layout === 'batch') {
      if (segments[0] !== 'jobs') { problem(file.name, 'unexpected entry outside jobs/ in a batch-layout archive'); continue; }
      if (isSingleEntry(file.name)) { problem(file.name, 'single-layout entry in a batch-layout archive (expected jobs/{job}/{job}.job)'); continue; }
      if (segments.length !== 3) { problem(file.name, 'unexpected nesting (expected jobs/{job}/{file})'); continue; }
      const folder = segments[1]!;
      const list = jobFolders.get(folder) ?? [];
      list.push(file);
      jobFolders.set(folder, list);
    } else {
      const kind = segments.length === 2 ? kindOfSingleEntry(segments[0]!, segments[1]!) : undefined;
      if (kind === undefined) { problem(file.name, 'unexpected entry (expected jobs/{job}.job, scripts/{script}.script or resources/{resource}.resource)'); continue; }
      const parsed = parseFile(kind, file, problem);
      if (parsed === undefined) continue;
      if (kind === 'job') {
        const job = toJob(parsed, problem);
        if (job) jobs.push(job);
      } else addDependency(parsed.file, kind === 'script' ? scriptsByName : resourcesByName);
    }
  }

  for (const [folder, folderFiles] of jobFolders) {
    parsed += folderFiles.length;
    if (parsed >= FILES_PER_STEP) {
      parsed = 0;
      yield;
    }
    const jobEntry = `jobs/${folder}/${folder}.job`;
    if (!folderFiles.some((f) => f.name === jobEntry)) problem(`jobs/${folder}/`, `job folder has no ${folder}.job`);
    const companions: string[] = [];
    let job: ArchiveJob | undefined;
    for (const file of folderFiles) {
      const base = path.posix.basename(file.name);
      const kind = kindOfFileName(base);
      if (kind === undefined || (kind === 'job' && file.name !== jobEntry)) {
        problem(file.name, kind === 'job' ? `a job file in folder jobs/${folder}/ must be named ${folder}.job` : 'unexpected file (expected .job, .script or .resource)');
        continue;
      }
      const parsed = parseFile(kind, file, problem);
      if (parsed === undefined) continue;
      if (kind === 'job') job = toJob(parsed, problem);
      else {
        companions.push(file.name);
        addDependency(parsed.file, kind === 'script' ? scriptsByName : resourcesByName);
      }
    }
    if (job) { job.companions = companions; jobs.push(job); }
  }

  if (layout === 'single') {
    for (const job of jobs) {
      job.companions = [
        ...job.scriptNames.map((n) => scriptsByName.get(n)?.entry),
        ...job.resourceNames.map((n) => resourcesByName.get(n)?.entry),
      ].filter((e): e is string => e !== undefined).sort(compareEntryNames);
    }
  }
  if (sorted.length > 0 && jobs.length === 0 && problems.length === 0) problem(source, 'archive holds no job');
  if (problems.length > 0) {
    const shown = problems.slice(0, 10).map((r) => `${r.subject}: ${r.reason}`).join('; ');
    const more = problems.length > 10 ? `; and ${problems.length - 10} more` : '';
    throw new ArchiveError(`archive ${source} refused (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${shown}${more}`, problems, {
      hint: 'fix the listed entries; nothing was imported or changed',
    });
  }
  jobs.sort((a, b) => compareEntryNames(a.name, b.name));
  const byName = (a: ArchiveFile, b: ArchiveFile) => compareEntryNames(a.name, b.name);
  return {
    source,
    layout,
    jobs,
    scripts: [...scriptsByName.values()].sort(byName),
    resources: [...resourcesByName.values()].sort(byName),
    entries: sorted.map((f) => ({ name: f.name, size: f.data.length })),
    unpackedBytes: sorted.reduce((sum, f) => sum + f.data.length, 0),
    ...(zipBytes === undefined ? {} : { zipBytes }),
  };
}

function kindOfFileName(base: string): ArchiveFileKind | undefined {
  for (const kind of ['job', 'script', 'resource'] as const) {
    if (base.endsWith(EXTENSION[kind]) && base.length > EXTENSION[kind].length) return kind;
  }
  return undefined;
}

function kindOfSingleEntry(folder: string, base: string): ArchiveFileKind | undefined {
  const kind = kindOfFileName(base);
  return kind !== undefined && SINGLE_FOLDER[kind] === folder ? kind : undefined;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `json` parsed from the file's bytes each time it is asked for, never kept: the model holds each
 * file's bytes, checked once here, and callers take the parse they need (the refs inventory, the
 * comparison). Keeping a parsed copy of every file was most of an import's memory at 10,000 jobs
 * (the objects weigh several times their text) and, held for the whole run, made V8 let the heap
 * grow to a multiple of it. Each read gives a fresh object: nothing may count on changing it.
 */
function withJsonOnDemand<T extends object>(file: T & { data: Buffer }): T & { json: Record<string, unknown> } {
  return Object.defineProperty(file, 'json', {
    get: () => JSON.parse(file.data.toString('utf8')) as Record<string, unknown>,
    enumerable: true,
    configurable: true,
  }) as unknown as T & { json: Record<string, unknown> };
}

/** The checked file (its JSON on demand) and the JSON parsed while checking it. */
function parseFile(kind: ArchiveFileKind, file: ZipEntryData, problem: (subject: string, reason: string) => void): { file: ArchiveFile; json: Record<string, unknown> } | undefined {
  const base = path.posix.basename(file.name);
  const name = base.slice(0, -EXTENSION[kind].length);
  let text: string;
  try {
    text = strictUtf8.decode(file.data);
  } catch {
    problem(file.name, 'not valid UTF-8 text');
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    problem(file.name, `not valid JSON: ${(err as Error).message}`);
    return undefined;
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    problem(file.name, 'not a JSON object');
    return undefined;
  }
  const record = json as Record<string, unknown>;
  if (record.name !== name) {
    problem(file.name, `${kind} name ${JSON.stringify(record.name)} does not match the file name ${JSON.stringify(name)}`);
    return undefined;
  }
  return { file: withJsonOnDemand({ kind, name, entry: file.name, data: file.data }), json: record };
}

function toJob(parsed: { file: ArchiveFile; json: Record<string, unknown> }, problem: (subject: string, reason: string) => void): ArchiveJob | undefined {
  const { file, json } = parsed;
  const processType = json.processType;
  if (processType !== 'BATCH' && processType !== 'REAL_TIME') {
    problem(file.entry, `processType must be BATCH or REAL_TIME, found ${JSON.stringify(processType)}`);
    return undefined;
  }
  const scripts = new Set<string>();
  const resources = new Set<string>();
  const nodes = Array.isArray(json.nodes) ? json.nodes : [];
  for (const node of nodes) {
    const properties = (node as { properties?: unknown } | null)?.properties;
    if (!Array.isArray(properties)) continue;
    for (const property of properties) {
      const { name, value } = (property ?? {}) as { name?: unknown; value?: unknown };
      if (typeof value !== 'string' || value === '') continue;
      if (name === 'scriptName') scripts.add(value);
      else if (name === 'resourceName') resources.add(value);
    }
  }
  const directory = typeof json.directory === 'string' ? json.directory : undefined;
  return withJsonOnDemand({
    kind: 'job' as const,
    name: file.name,
    entry: file.entry,
    data: file.data,
    jobType: processType as ArchiveJob['jobType'],
    ...(directory === undefined ? {} : { directory }),
    scriptNames: [...scripts].sort(compareEntryNames),
    resourceNames: [...resources].sort(compareEntryNames),
    companions: [] as string[],
  });
}

/**
 * Reads a directory in an archive layout: lstat walk, symlinks and other non-regular files are
 * refused (never followed), names judged like zip entry names, and the same caps as a zip.
 */
async function readDirectoryEntries(root: string, limits: ArchiveLimits): Promise<ZipEntryData[]> {
  const problems: Refusal[] = [];
  const files: ZipEntryData[] = [];
  let count = 0;
  let total = 0;
  const refuse = (): never => {
    const shown = problems.slice(0, 10).map((r) => `${r.subject}: ${r.reason}`).join('; ');
    throw new ArchiveError(`archive directory ${root} refused (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${shown}`, problems);
  };
  const walk = async (relative: string): Promise<void> => {
    const names = (await readdir(path.join(root, relative))).sort(compareEntryNames);
    for (const base of names) {
      const name = relative === '' ? base : `${relative}/${base}`;
      count += 1;
      if (count > limits.maxEntries) { problems.push({ subject: root, reason: `more than ${limits.maxEntries} entries` }); refuse(); }
      const nameProblem = entryNameProblem(name);
      if (nameProblem !== undefined) { problems.push({ subject: name, reason: nameProblem }); continue; }
      const info = await lstat(path.join(root, name));
      if (info.isSymbolicLink()) { problems.push({ subject: name, reason: 'symbolic link (not followed)' }); continue; }
      if (info.isDirectory()) { await walk(name); continue; }
      if (!info.isFile()) { problems.push({ subject: name, reason: 'not a regular file' }); continue; }
      if (info.size > limits.maxEntryBytes) { problems.push({ subject: name, reason: `${info.size} bytes, over the per-entry limit of ${limits.maxEntryBytes}` }); refuse(); }
      const data = await readFile(path.join(root, name));
      // Count what was read, not what lstat said: the file may have grown meanwhile.
      total += data.length;
      if (data.length > limits.maxEntryBytes) { problems.push({ subject: name, reason: `over the per-entry limit of ${limits.maxEntryBytes} bytes` }); refuse(); }
      if (total > limits.maxUnpackedBytes) { problems.push({ subject: root, reason: `more than ${limits.maxUnpackedBytes} bytes in total` }); refuse(); }
      files.push({ name, data });
    }
  };
  await walk('');
  if (problems.length > 0) refuse();
  return files;
}
