/**
 * Is a recorded archive still what the run wrote? A zip is hashed whole (and its size compared);
 * a `--layout dir` tree gets the same digest the export computed for it (export/archive-output.ts
 * treeDigest). In OBS, the quick check (before a night extends a chain, `backups list`) compares
 * size, ETag (the MD5 OBS computed of the stored bytes) and the sha256 in the object's metadata
 * with the record, without downloading; `backups verify` and restores download and hash.
 */
import { createHash } from 'node:crypto';
import { digestFile } from '../util/file-digest.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { treeDigest } from '../export/archive-output.js';
import type { StagedEntry } from '../export/batches.js';
import type { RunArchive } from './state-file.js';
import { LocalFileError } from '../errors.js';

/** What a check needs of a recorded file: a run's archive or its script capture. */
export type RecordedFile = Pick<RunArchive, 'sha256' | 'layout' | 'bytes' | 'md5'>;
import { baseName, isObsLocation, type Location } from './location.js';
import type { Repository } from './repository.js';
import type { Scratch } from './scratch.js';

async function fileSha256(file: string): Promise<string> {
  return (await digestFile(file, 'sha256')).digest.toString('hex');
}

/** Every regular file under `root` (entry-style names) with its bytes; symlinks and others are skipped. */
export async function readTreeFiles(root: string): Promise<{ name: string; data: Buffer }[]> {
  const out: { name: string; data: Buffer }[] = [];
  const walk = async (rel: string) => {
    for (const d of await fs.readdir(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) await walk(r);
      else if (d.isFile()) out.push({ name: r, data: await fs.readFile(path.join(root, r)) });
    }
  };
  await walk('');
  return out;
}

function stagedEntry(name: string, data: Buffer): StagedEntry {
  return { name, job: name.split('/')[1] ?? '', size: data.length, sha256: createHash('sha256').update(data).digest('hex') };
}

/** Why the archive at `file` is not the recorded one ('missing', 'damaged: …'), or undefined when it is. */
export async function archiveProblem(file: string, recorded: RecordedFile): Promise<string | undefined> {
  const st = await fs.stat(file).catch(() => undefined);
  if (!st) return 'missing';
  if (recorded.layout === 'zip' && recorded.bytes !== undefined && st.isFile() && st.size !== recorded.bytes) return `damaged: ${st.size} bytes, recorded ${recorded.bytes}`;
  let actual: string;
  try {
    if (recorded.layout === 'dir') {
      if (!st.isDirectory()) return 'damaged: not a directory';
      actual = treeDigest((await readTreeFiles(file)).map((f) => stagedEntry(f.name, f.data))).sha256;
    } else {
      if (!st.isFile()) return 'damaged: not a file';
      actual = await fileSha256(file);
    }
  } catch (err) {
    return `unreadable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
  return actual === recorded.sha256 ? undefined : `damaged: sha256 ${short(actual)}, recorded ${short(recorded.sha256)}`;
}

export { stagedEntry };

/** The first 12 hex digits of a digest: enough to tell two apart in a message of bounded length. */
function short(digest: string): string {
  return digest.length > 12 ? `${digest.slice(0, 12)}…` : digest;
}

/** The quick check of an archive in a repository (see the module comment); local ones are hashed. */
export async function storedArchiveProblem(repo: Repository, loc: Location, recorded: RecordedFile): Promise<string | undefined> {
  if (!isObsLocation(loc)) return archiveProblem(loc, recorded);
  const info = await repo.head(loc);
  if (!info) return 'missing';
  if (recorded.bytes !== undefined && info.size !== recorded.bytes) return `damaged: ${info.size} bytes, recorded ${recorded.bytes}`;
  if (recorded.md5 !== undefined && info.etag !== recorded.md5) return `damaged: MD5 (ETag) ${short(info.etag ?? '')}, recorded ${short(recorded.md5)}`;
  if (info.meta?.sha256 !== recorded.sha256) return `damaged: sha256 in its metadata ${info.meta?.sha256 ? short(info.meta.sha256) : '(none)'}, recorded ${short(recorded.sha256)}`;
  return undefined;
}

/**
 * The full check: a local archive is hashed where it is; one in OBS is downloaded into `scratch`
 * and hashed there. Returns the problem, or the local file to read when there is none.
 */
export async function fetchCheckedArchive(repo: Repository, loc: Location, options: { recorded: RecordedFile; scratch?: () => Promise<Scratch> }): Promise<{ problem: string } | { file: string }> {
  const { recorded } = options;
  if (!isObsLocation(loc)) {
    const problem = await archiveProblem(loc, recorded);
    return problem ? { problem } : { file: loc };
  }
  if (!options.scratch) throw new Error('internal: an OBS archive needs scratch space');
  const scratch = await options.scratch();
  const file = scratch.path(`${recorded.sha256.slice(0, 16)}-${baseName(loc)}`);
  const downloaded = await repo.download(loc, file).catch((err: unknown) => {
    if (err instanceof LocalFileError) {
      throw new LocalFileError('write', err.path, err.code ? { code: err.code } : err.message, {
        code: err.code,
        hint: `An archive in OBS is downloaded to ${scratch.dir} (under TMPDIR) to be checked and read: make room there, or set TMPDIR to a directory with space.`,
      });
    }
    throw err;
  });
  if (!downloaded) return { problem: 'missing' };
  const manifest = `${loc}.manifest.json`;
  await repo.download(manifest, `${file}.manifest.json`).catch(() => false);
  const problem = await archiveProblem(file, recorded);
  return problem ? { problem } : { file };
}
