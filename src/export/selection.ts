/**
 * Which jobs `jobs export` exports: the union of names, `--match` globs, `--directory` paths,
 * `--names-from` lines and `--all`, resolved against the workspace's job list (BATCH and REAL_TIME).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { JobSummary } from '../api/dataarts.js';
import { globMatcher } from '../util/glob.js';
import { LocalFileError, UsageError } from '../errors.js';

export interface SelectionRequest {
  names: string[];
  match: string[];
  directories: string[];
  all: boolean;
}

export interface Selection {
  /** Selected jobs, sorted by name (byte order), no duplicates. */
  jobs: JobSummary[];
  /** The request as given, for the manifest. */
  request: SelectionRequest;
}

/** True when the user gave no selector at all (a usage error: we never export "nothing" by default). */
export function isEmptyRequest(req: SelectionRequest): boolean {
  return !req.all && req.names.length === 0 && req.match.length === 0 && req.directories.length === 0;
}

/**
 * Parse `--names-from` text: one name per line; `#` starts a comment (whole line or trailing);
 * blank lines and surrounding whitespace are ignored. A line with a '/' cannot be a job name
 * (reference §9: letters, digits, '-', '_', '.'), so it is read as the path of a file in an
 * exported tree, as `git diff --name-only` prints it (jobNameOfPath). Each job once, in order.
 */
export function parseNameList(text: string): string[] {
  const names = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const hash = raw.indexOf('#');
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (line) names.add(line.includes('/') ? jobNameOfPath(line) : line);
  }
  return [...names];
}

/**
 * The job a file of an exported tree belongs to: `…/jobs/{job}/{file}` (batch layout: the job's
 * folder, whichever of its files changed) or `…/jobs/{job}.job` (single-job layout); the `.job`
 * may already be cut off. Any other path is returned as given, so the unknown-name check names it.
 */
export function jobNameOfPath(line: string): string {
  const segs = line.split('/').filter((s) => s !== '' && s !== '.');
  for (let i = segs.length - 3; i >= 0; i -= 1) if (segs[i] === 'jobs') return segs[i + 1]!;
  if (segs.length >= 2 && segs[segs.length - 2] === 'jobs') return segs[segs.length - 1]!.replace(/\.job$/, '');
  return line;
}

/** Read `--names-from FILE` (relative to `cwd`) or `-` (stdin). */
export async function readNamesFrom(source: string, stdin: Readable, cwd: string): Promise<string[]> {
  if (source === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    return parseNameList(Buffer.concat(chunks).toString('utf8'));
  }
  const file = path.resolve(cwd, source);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    // A file that cannot be read is a local-file problem (exit 7), named with the reason in words.
    throw LocalFileError.from(err, 'read', file);
  }
  return parseNameList(text);
}

/** A directory path in one spelling: leading '/', no trailing '/', no doubled slashes. */
export function normalizeDirectory(dir: string): string {
  const parts = dir.split('/').filter((p) => p !== '' && p !== '.');
  return `/${parts.join('/')}`;
}

/** Whether a job's directory is `dir` or below it. */
function isUnder(jobPath: string | undefined, dir: string): boolean {
  const p = normalizeDirectory(jobPath ?? '/');
  if (dir === '/') return true;
  return p === dir || p.startsWith(`${dir}/`);
}

/** Byte-order comparison (the archive's entry order; locale independent). */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Whether one job is selected by `--all`, `--match` or `--directory` (the selectors that need no
 * complete list: the export can start on them while the list is still read). Explicit names are
 * resolveSelection's, which must see the whole list to name unknown ones.
 */
export function selectsJob(req: SelectionRequest): (job: JobSummary) => boolean {
  const matches = req.match.length > 0 ? globMatcher(req.match) : undefined;
  const dirs = req.directories.map(normalizeDirectory);
  return (job) => req.all || (matches !== undefined && matches(job.name)) || dirs.some((d) => isUnder(job.path, d));
}

/**
 * Resolve the request against the workspace's jobs. Unknown explicit names are a usage error
 * (exit 2) naming every one of them, raised before anything is exported or written (inferred
 * choice of exit code: a name that does not exist is a bad argument).
 */
export function resolveSelection(all: JobSummary[], req: SelectionRequest): Selection {
  const byName = new Map(all.map((j) => [j.name, j]));
  const unknown = [...new Set(req.names.filter((n) => !byName.has(n)))];
  if (unknown.length > 0) {
    throw new UsageError(`unknown job${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, {
      hint: 'Check the names with `dataarts jobs list`; nothing was exported.',
      details: { unknownJobs: unknown },
    });
  }
  const chosen = new Map<string, JobSummary>();
  for (const n of req.names) chosen.set(n, byName.get(n)!);
  const matches = req.match.length > 0 ? globMatcher(req.match) : undefined;
  const dirs = req.directories.map(normalizeDirectory);
  for (const job of all) {
    if (chosen.has(job.name)) continue;
    if (req.all || (matches && matches(job.name)) || dirs.some((d) => isUnder(job.path, d))) chosen.set(job.name, job);
  }
  const jobs = [...chosen.values()].sort((a, b) => compareNames(a.name, b.name));
  return { jobs, request: req };
}
