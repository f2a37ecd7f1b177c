/**
 * Atomic output: everything is built in a private staging directory created beside the target (so
 * the final rename stays on one filesystem) and moved into place only once complete. A failed or
 * interrupted run removes its staging directory and leaves an existing output untouched.
 *
 * Undo actions are registered with the command's CleanupRegistry (run() runs them when a command
 * throws) and callers also `dispose()` in a finally block, so nothing survives either way.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CleanupRegistry } from './cleanup.js';
import { LocalFileError, RefusedError } from '../errors.js';

/** True when something (file, directory, symlink) exists at `p`. */
export async function pathExists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** The file in a staging directory that names the process that made it. */
export const OWNER_FILE = '.dataarts-owner';

/** `{"pid":…,"host":…}`: what a staging directory or a claimed name records about its maker. */
export function ownerMark(): string {
  return JSON.stringify({ pid: process.pid, host: os.hostname() });
}

export interface StagingDir {
  /** Absolute path of the private staging directory. */
  readonly dir: string;
  /** A path inside the staging directory. */
  path(...parts: string[]): string;
  /** Remove the staging directory and everything in it; idempotent. */
  dispose(): Promise<void>;
}

/**
 * A private directory beside `target` (`.{name}.tmp-XXXXXX`), removed by the cleanup registry if
 * the run fails and by `dispose()` when the caller is done.
 */
export async function createStagingDir(target: string, cleanup: CleanupRegistry): Promise<StagingDir> {
  const parent = path.dirname(path.resolve(target));
  await fs.mkdir(parent, { recursive: true });
  const dir = await fs.mkdtemp(path.join(parent, `.${path.basename(target)}.tmp-`));
  // Who made it: a later run removes it if this process is killed (export/leftovers.ts).
  await fs.writeFile(path.join(dir, OWNER_FILE), ownerMark(), { mode: 0o600 }).catch(async (err: unknown) => {
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  });
  let disposed = false;
  const remove = async () => {
    if (disposed) return;
    disposed = true;
    await fs.rm(dir, { recursive: true, force: true });
  };
  const release = cleanup.add(remove);
  return {
    dir,
    path: (...parts: string[]) => path.join(dir, ...parts),
    dispose: async () => {
      release();
      await remove();
    },
  };
}

/**
 * Move a finished file or directory from staging to `target`.
 * - Without `force`: never replaces anything. A file is published with link()+unlink() (link
 *   fails if the target appeared meanwhile); a directory with rename(), which refuses a non-empty
 *   target.
 * - With `force`: a file replaces a file in one rename(); anything else already there is first
 *   moved aside, the new one renamed in, then the old one removed (restored if the rename fails).
 */
export async function commitPath(
  staged: string,
  target: string,
  options: { force: boolean; /** test seam: the rename that swaps the new output in */ swap?: (from: string, to: string) => Promise<void> },
): Promise<void> {
  const existing = await fs.lstat(target).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  const stagedStat = await fs.lstat(staged);
  if (existing && !options.force) {
    throw new RefusedError(`output already exists: ${target}`, [{ subject: target, reason: 'already exists' }], {
      hint: 'Choose another path with -o.',
    });
  }
  if (!existing) {
    if (stagedStat.isDirectory()) {
      await fs.rename(staged, target);
    } else {
      await fs.link(staged, target).catch(async (err: NodeJS.ErrnoException) => {
        // Filesystems without hard links: fall back to rename (the existence check above stands).
        if (err.code === 'EPERM' || err.code === 'ENOTSUP' || err.code === 'EOPNOTSUPP') return fs.rename(staged, target);
        if (err.code === 'EEXIST') {
          throw new RefusedError(`output already exists: ${target}`, [{ subject: target, reason: 'already exists' }], {
            hint: 'Choose another path with -o.',
          });
        }
        throw err;
      });
      await fs.rm(staged, { force: true });
    }
    return;
  }
  if (existing.isFile() && !stagedStat.isDirectory()) {
    await fs.rename(staged, target);
    return;
  }
  const aside = `${path.join(path.dirname(target), `.${path.basename(target)}.old-`)}${process.pid}-${Date.now()}`;
  await fs.rename(target, aside);
  try {
    await (options.swap ?? fs.rename)(staged, target);
  } catch (err) {
    // Put the old output back; if even that fails, say where it is rather than lose it silently.
    const restored = await fs.rename(aside, target).then(() => true, () => false);
    if (!restored) {
      throw new LocalFileError('rename', target, err, { hint: `The previous output was kept at ${aside}; move it back by hand.` });
    }
    throw LocalFileError.from(err, 'rename', target);
  }
  await fs.rm(aside, { recursive: true, force: true });
}

/** Write a small file atomically (staged beside it, then committed). */
export async function writeFileAtomic(
  target: string,
  data: string | Buffer,
  options: { force: boolean; cleanup: CleanupRegistry },
): Promise<void> {
  const staging = await createStagingDir(target, options.cleanup);
  try {
    const staged = staging.path(path.basename(target));
    await fs.writeFile(staged, data, { mode: 0o600 });
    await commitPath(staged, target, { force: options.force });
  } finally {
    await staging.dispose();
  }
}
