/**
 * The one storage interface of the backups: a local directory or an OBS prefix, addressed by
 * Location (location.ts). Everything the backup code stores or reads (archives, manifests, the
 * state file, the lock) goes through here, so local and OBS repositories behave the same.
 *
 * - write: the whole content replaced at once (local: staged beside it and renamed; OBS: one PUT,
 *   which never shows a half-written object). Created owner-only (0600) locally.
 * - upload / download: a local file streamed to or from the repository.
 * - head: size, and for OBS the ETag and the user metadata (a recorded checksum, without a download).
 * - list: the entries of a directory (prefix) whose names start with a given prefix.
 *
 * Local errors are exit 7 naming the path (LocalFileError); OBS errors are the service's.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ObsClient } from '../api/obs.js';
import type { CleanupRegistry } from '../util/cleanup.js';
import { LocalFileError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { isObsLocation, joinLocation, splitObs, type Location } from './location.js';

export interface StoredInfo {
  size: number;
  /** OBS: the object's ETag (the MD5 of a single-PUT object, hex). */
  etag?: string;
  /** OBS: the object's user metadata (`x-obs-meta-*`). */
  meta?: Record<string, string>;
}

export interface ListedEntry {
  location: Location;
  name: string;
  size: number;
}

/** The OBS clients a repository uses: `main` for the run, `cleanup` for undo actions after an interrupt. */
export interface ObsAccess {
  main: ObsClient;
  cleanup: ObsClient;
}

export class Repository {
  private obsAccess?: Promise<ObsAccess>;

  constructor(private readonly options: { cleanup: CleanupRegistry; obs?: () => Promise<ObsAccess> }) {}

  private async obs(forCleanup = false): Promise<ObsClient> {
    if (!this.options.obs) throw new Error('internal: an obs:// location without OBS access');
    this.obsAccess ??= this.options.obs();
    const access = await this.obsAccess;
    return forCleanup ? access.cleanup : access.main;
  }

  /** The content, or undefined when there is nothing there. */
  async read(loc: Location): Promise<Buffer | undefined> {
    if (isObsLocation(loc)) {
      const { bucket, key } = splitObs(loc);
      return (await this.obs()).getBytes(bucket, key);
    }
    try {
      return await fs.readFile(loc);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new LocalFileError('read', loc, err);
    }
  }

  /** Replace the content whole (see the module comment). */
  async write(loc: Location, data: string | Buffer, contentType = 'application/json'): Promise<void> {
    if (isObsLocation(loc)) {
      const { bucket, key } = splitObs(loc);
      return (await this.obs()).putBytes(bucket, key, Buffer.from(data), { contentType });
    }
    try {
      await writeFileAtomic(loc, data, { force: true, cleanup: this.options.cleanup });
    } catch (err) {
      throw LocalFileError.from(err, 'write', loc);
    }
  }

  /** Stream a local file in, with metadata (OBS) recorded beside it; returns its MD5 (hex) and size. */
  async upload(loc: Location, file: string, options: { contentType: string; meta?: Record<string, string> }): Promise<{ md5: string; bytes: number }> {
    if (!isObsLocation(loc)) throw new Error('internal: upload is for OBS locations');
    const { bucket, key } = splitObs(loc);
    return (await this.obs()).putFile(bucket, key, file, options);
  }

  /** Stream the content into a local file; false when there is nothing there. */
  async download(loc: Location, file: string): Promise<boolean> {
    if (isObsLocation(loc)) {
      const { bucket, key } = splitObs(loc);
      return (await (await this.obs()).download(bucket, key, file)) !== undefined;
    }
    try {
      await fs.copyFile(loc, file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && (err as NodeJS.ErrnoException).path === loc) return false;
      throw LocalFileError.from(err, 'read', loc);
    }
  }

  async head(loc: Location): Promise<StoredInfo | undefined> {
    if (isObsLocation(loc)) {
      const { bucket, key } = splitObs(loc);
      return (await this.obs()).head(bucket, key);
    }
    const st = await fs.stat(loc).catch(() => undefined);
    return st && { size: st.size };
  }

  /** Entries of `dir` whose names start with `namePrefix` (none when `dir` does not exist). */
  async list(dir: Location, namePrefix: string): Promise<ListedEntry[]> {
    if (isObsLocation(dir)) {
      const { bucket, key } = splitObs(dir);
      const listed = await (await this.obs()).list(bucket, `${key}${namePrefix}`);
      // Only direct children: a key with a further '/' is in a sub-prefix.
      return listed
        .filter((o) => !o.key.slice(key.length).includes('/'))
        .map((o) => ({ location: `obs://${bucket}/${o.key}`, name: o.key.slice(key.length), size: o.size }));
    }
    const names = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw new LocalFileError('read', dir, err);
    });
    const out: ListedEntry[] = [];
    for (const name of names.filter((n) => n.startsWith(namePrefix)).sort()) {
      const st = await fs.lstat(path.join(dir, name)).catch(() => undefined);
      if (st) out.push({ location: joinLocation(dir, name), name, size: st.size });
    }
    return out;
  }

  /** Remove it (a local directory with what is in it); nothing there is fine. */
  async remove(loc: Location, options: { duringCleanup?: boolean } = {}): Promise<void> {
    if (isObsLocation(loc)) {
      const { bucket, key } = splitObs(loc);
      return (await this.obs(options.duringCleanup)).deleteObject(bucket, key);
    }
    try {
      await fs.rm(loc, { recursive: true, force: true });
    } catch (err) {
      throw new LocalFileError('remove', loc, err);
    }
  }
}
