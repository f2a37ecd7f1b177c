/**
 * Is a recorded archive still what the run wrote? A zip is hashed whole; a `--layout dir` tree
 * gets the same digest the export computed for it (export/archive-output.ts treeDigest).
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { treeDigest } from '../export/archive-output.js';
import type { StagedEntry } from '../export/batches.js';
import type { RunArchive } from '../export/state-file.js';

async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
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
export async function archiveProblem(file: string, recorded: Pick<RunArchive, 'sha256' | 'layout'>): Promise<string | undefined> {
  const st = await fs.stat(file).catch(() => undefined);
  if (!st) return 'missing';
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
  return actual === recorded.sha256 ? undefined : `damaged: sha256 ${actual}, recorded ${recorded.sha256}`;
}

export { stagedEntry };
