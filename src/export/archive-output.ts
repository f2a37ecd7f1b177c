/**
 * The two kinds of output the merge writes into: one deterministic zip (entries added one at a
 * time in archive order), or an unpacked tree for `--layout dir`, plus the digest used for a tree.
 */
import { createHash } from 'node:crypto';
import { DeterministicZipWriter, compareEntryNames } from '../archive/zip-write.js';
import { directorySink, type EntrySink, type StagedEntry } from './batches.js';

/** Entries in archive order (ascending UTF-8 bytes of the name). */
export function sortedEntries(entries: StagedEntry[]): StagedEntry[] {
  return [...entries].sort((a, b) => compareEntryNames(a.name, b.name));
}

export interface OutputBuilder {
  sink: EntrySink;
  /** Complete the output; returns its size and sha256. */
  finish(entries: StagedEntry[]): Promise<{ bytes: number; sha256: string }>;
  /** Give up: remove what was written so far (the staging directory goes anyway). */
  abort(): Promise<void>;
}

/** `comment` may be a function: the job count is known only at the end when the listing streams. */
export function zipOutput(zipPath: string, comment: string | (() => string)): OutputBuilder {
  // The merge records each entry itself (StagedEntry): the writer need not keep a second record.
  const writer = DeterministicZipWriter.open(zipPath, { entryDigests: false });
  return {
    sink: { add: (name, data) => writer.add(name, data) },
    finish: async () => {
      const written = await writer.finish(typeof comment === 'string' ? comment : comment());
      return { bytes: written.bytes, sha256: written.sha256 };
    },
    abort: () => writer.abort(),
  };
}

export function directoryOutput(root: string): OutputBuilder {
  return {
    sink: directorySink(root),
    finish: async (entries) => treeDigest(entries),
    abort: async () => undefined,
  };
}

/**
 * A digest for an unpacked tree (inferred: there is no single file to hash): sha256 over
 * "{name}\0{sha256 of the entry}\n" for every entry in archive order. Identical trees give the
 * same digest whatever the filesystem's timestamps.
 */
export function treeDigest(entries: StagedEntry[]): { bytes: number; sha256: string } {
  const hash = createHash('sha256');
  let bytes = 0;
  for (const e of sortedEntries(entries)) {
    hash.update(`${e.name}\0${e.sha256}\n`);
    bytes += e.size;
  }
  return { bytes, sha256: hash.digest('hex') };
}
