/**
 * `{state-file}.lock`: one run at a time per state file. The lock file is created exclusively
 * (written to a temp file, then hard-linked into place, so it never exists without its content)
 * and holds the holder's pid, host and start time. A lock held by a live process refuses the run
 * (exit 4, naming pid and host); one left by a process that is gone (same host, pid not running)
 * is taken over with a warning. A lock from another host cannot be checked and counts as live.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { CleanupRegistry } from '../util/cleanup.js';
import { LocalFileError, RefusedError } from '../errors.js';

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  /** Tells this run's lock from another's with the same pid (e.g. two runs in one test process). */
  token: string;
}

export interface HeldLock {
  path: string;
  release(): Promise<void>;
}

export function lockPathFor(stateFile: string): string {
  return `${stateFile}.lock`;
}

/** Whether a process with this pid runs on this machine. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(file: string): Promise<LockInfo | undefined> {
  const text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new LocalFileError('read', file, err);
  });
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as LockInfo;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') return parsed;
  } catch {
    // fall through: unreadable content counts as left by a dead process
  }
  return { pid: 0, host: os.hostname(), startedAt: '?', token: '' };
}

/**
 * Put the finished lock file in place only if none exists: link() (atomic, content included); on a
 * file system without hard links, an exclusive create written at once.
 */
async function publish(temp: string, file: string): Promise<void> {
  try {
    await fs.link(temp, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    await fs.writeFile(file, await fs.readFile(temp), { flag: 'wx' });
  }
}

/** Create the lock or refuse; `warn` reports a takeover. */
export async function acquireLock(
  stateFile: string,
  options: { cleanup: CleanupRegistry; now: Date; warn: (message: string) => void; processAlive?: (pid: number) => boolean },
): Promise<HeldLock> {
  const file = lockPathFor(stateFile);
  const alive = options.processAlive ?? processAlive;
  const mine: LockInfo = { pid: process.pid, host: os.hostname(), startedAt: options.now.toISOString(), token: randomBytes(8).toString('hex') };
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${mine.token}`);
  try {
    await fs.writeFile(temp, `${JSON.stringify(mine)}\n`, { flag: 'wx', mode: 0o644 });
  } catch (err) {
    throw new LocalFileError('lock', file, err);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await publish(temp, file);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new LocalFileError('lock', file, err);
      }
      const holder = await readLock(file);
      if (holder === undefined) continue; // released meanwhile: try again
      const sameHost = holder.host === mine.host;
      if (!sameHost || (holder.pid > 0 && alive(holder.pid)) || attempt >= 3) {
        throw new RefusedError(
          `another run holds ${file}: pid ${holder.pid} on host ${holder.host}, started ${holder.startedAt}`,
          [{ subject: file, reason: `held by pid ${holder.pid} on ${holder.host}` }],
          { hint: sameHost ? 'Wait for it to finish; runs on one state file go one at a time.' : `If no run is going on ${holder.host}, remove ${file}.` },
        );
      }
      // Left by a dead process: move it aside (only one taker can) and try again.
      const aside = `${file}.stale-${mine.token}`;
      const moved = await fs.rename(file, aside).then(() => true, () => false);
      if (moved) {
        await fs.rm(aside, { force: true });
        options.warn(`took over ${file}, left by pid ${holder.pid} on ${holder.host} (started ${holder.startedAt}), which is no longer running`);
      }
    }
  } finally {
    await fs.rm(temp, { force: true });
  }
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    const holder = await readLock(file).catch(() => undefined);
    if (holder?.token === mine.token) await fs.rm(file, { force: true });
  };
  const unregister = options.cleanup.add(release);
  return {
    path: file,
    release: async () => {
      unregister();
      await release();
    },
  };
}
