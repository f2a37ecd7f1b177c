/**
 * Checking an archive against its sidecar `{archive}.manifest.json` (written by the export; format in
 * src/export/manifest.ts): the sha256 of the archive (for a directory, the tree digest the export
 * recorded) and of every entry. Pure apart from reading the manifest and hashing the zip file.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { LocalFileError } from '../errors.js';
import { treeDigest } from '../export/archive-output.js';
import { manifestPathFor } from '../export/manifest.js';

export interface EntryBytes { name: string; data: Buffer }

export interface ManifestProblem {
  /** An entry name, or the archive path for the archive's own digest. */
  entry: string;
  reason: string;
}

export interface ManifestCheck {
  path: string;
  status: 'verified' | 'damaged';
  /** Entries the manifest lists (all checked). */
  entries: number;
  archiveSha256: { expected: string; actual: string | null };
  problems: ManifestProblem[];
}

interface ManifestDocument {
  archive?: { sha256?: unknown };
  entries?: { name?: unknown; size?: unknown; sha256?: unknown }[];
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The manifest beside the archive, parsed; undefined when there is none. */
export async function readManifestFor(archive: string): Promise<{ path: string; doc: ManifestDocument } | undefined> {
  const path = manifestPathFor(archive);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
    throw LocalFileError.from(err, 'read', path);
  }
  try {
    return { path, doc: JSON.parse(text) as ManifestDocument };
  } catch {
    return { path, doc: {} };
  }
}

/**
 * Compare. `files` are the archive's entries as read (undefined when the archive could not be read
 * at all: then `unreadable` names the entries the reader refused); `zipFile` the zip's path, or
 * undefined for a directory.
 */
export async function checkAgainstManifest(
  archive: string,
  manifest: { path: string; doc: ManifestDocument },
  input: { files?: EntryBytes[]; zipFile?: string; unreadable?: ManifestProblem[] },
): Promise<ManifestCheck> {
  const problems: ManifestProblem[] = [...(input.unreadable ?? [])];
  const listed = Array.isArray(manifest.doc.entries) ? manifest.doc.entries : [];
  const expectedArchive = typeof manifest.doc.archive?.sha256 === 'string' ? manifest.doc.archive.sha256 : '';
  if (listed.length === 0 || !expectedArchive) problems.push({ entry: manifest.path, reason: 'not a readable manifest (no archive sha256 or entry list)' });

  const actual = new Map((input.files ?? []).map((f) => [f.name, sha256(f.data)]));
  if (input.files) {
    for (const e of listed) {
      const name = String(e.name);
      const got = actual.get(name);
      if (got === undefined) problems.push({ entry: name, reason: 'missing from the archive' });
      else if (got !== e.sha256) problems.push({ entry: name, reason: 'sha256 differs from the manifest (damaged or changed)' });
    }
    const known = new Set(listed.map((e) => String(e.name)));
    for (const name of actual.keys()) if (!known.has(name)) problems.push({ entry: name, reason: 'not in the manifest (added after the export)' });
  }

  let actualArchive: string | null = null;
  if (input.zipFile) {
    actualArchive = sha256(await readFile(input.zipFile).catch((err: unknown) => { throw LocalFileError.from(err, 'read', input.zipFile); }));
  } else if (input.files) {
    actualArchive = treeDigest([...actual].map(([name, sha]) => ({ name, job: '', size: 0, sha256: sha }))).sha256;
  }
  if (expectedArchive && actualArchive !== expectedArchive) {
    problems.push({ entry: archive, reason: `archive sha256 ${actualArchive ?? '(unreadable)'} differs from the manifest's ${expectedArchive}` });
  }
  return {
    path: manifest.path,
    status: problems.length === 0 ? 'verified' : 'damaged',
    entries: listed.length,
    archiveSha256: { expected: expectedArchive, actual: actualArchive },
    problems,
  };
}
