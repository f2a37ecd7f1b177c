/**
 * One process at a time per release journal: the release while it runs, `jobs import --resume`
 * and `jobs undo`. Two of them on one journal would both follow the task, both start the stopped
 * jobs again, and rewrite the journal over each other.
 *
 * The lock is `{journal}.lock`, created exclusively (`wx`) with the holder's pid, host, start time
 * and a token of its own, and removed when the holder ends (also after Ctrl-C or SIGTERM). A
 * SIGKILLed holder leaves it behind: a lock whose pid no longer runs on this host is stale, and
 * the next run takes it over with a warning. The takeover moves the file aside under a name of
 * its own and checks that what it moved is the stale holder's, byte for byte: two runs taking
 * over at once cannot both win, and one that moved the winner's fresh lock puts it back and
 * refuses. A lock held on another host is never taken over (its pid means nothing here): the
 * message says which file to remove once that process is known to be gone.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import { LocalFileError, RefusedError } from '../errors.js';
import { processAlive } from '../util/process-alive.js';

interface Holder {
  pid: number;
  host: string;
  since: string;
  token: string;
}

export interface JournalLock {
  /** Remove the lock if it is still this run's (idempotent). */
  release(): Promise<void>;
}

export interface JournalLockOptions {
  now: () => Date;
  /** Told when a stale lock (a process that is gone) is taken over. */
  warn: (message: string) => void;
  /** This machine's name (a parameter so tests can play another host). */
  host?: string;
}

/** A lock file that is not a whole holder record is being written: stale only after this long. */
const UNREADABLE_STALE_MS = 60_000;
const ATTEMPTS = 4;

export function journalLockPath(journal: string): string {
  return `${journal}.lock`;
}

function parseHolder(text: string): Holder | undefined {
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.token === 'string' ? (h as Holder) : undefined;
  } catch {
    return undefined;
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw LocalFileError.from(err, 'read', file);
  }
}

function inUse(journal: string, lockPath: string, holder: Holder | undefined, hereHost: string): RefusedError {
  const who = holder ? `pid ${holder.pid} on ${holder.host === hereHost ? 'this machine' : holder.host}, since ${holder.since}` : 'a run that is still writing its lock';
  return new RefusedError(`the release journal ${journal} is in use by another run (${who}); nothing was changed`, [{ subject: journal, reason: 'locked by another run' }], {
    hint: `Wait for that run to end: it is releasing, finishing or undoing this release. If that process is gone, remove ${lockPath} and run again.`,
  });
}

/**
 * Why the current lock may be taken over, or undefined when it is held: its process is gone
 * (same host), or it never became a holder record and is older than a minute.
 */
async function staleReason(lockPath: string, holder: Holder | undefined, host: string, now: Date): Promise<string | undefined> {
  if (holder) return holder.host === host && !processAlive(holder.pid) ? `pid ${holder.pid} is no longer running` : undefined;
  const stat = await fs.stat(lockPath).catch(() => undefined);
  return stat && now.getTime() - stat.mtimeMs > UNREADABLE_STALE_MS ? 'it was never completely written' : undefined;
}

/**
 * Move the stale lock aside and remove it, if what was moved is still `staleText`; a fresh lock
 * moved by mistake (another run took over first) is put back and this run refuses.
 */
async function takeOver(lockPath: string, staleText: string, token: string, refuse: () => RefusedError): Promise<void> {
  const aside = `${lockPath}.stale-${token}`;
  try {
    await fs.rename(lockPath, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // another run removed it: try again
    throw LocalFileError.from(err, 'lock', lockPath);
  }
  const moved = await readText(aside);
  if (moved === staleText) {
    await fs.rm(aside, { force: true });
    return;
  }
  // Not the stale holder's: put it back (unless yet another lock is there now) and step aside.
  await fs.link(aside, lockPath).catch(() => undefined);
  await fs.rm(aside, { force: true });
  throw refuse();
}

export async function lockJournal(journal: string, options: JournalLockOptions): Promise<JournalLock> {
  const lockPath = journalLockPath(journal);
  const host = options.host ?? os.hostname();
  const me: Holder = { pid: process.pid, host, since: options.now().toISOString(), token: randomBytes(8).toString('hex') };
  const text = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    try {
      const handle = await fs.open(lockPath, 'wx', 0o600);
      try {
        await handle.writeFile(text);
      } finally {
        await handle.close();
      }
      return { release: () => releaseIfOurs(lockPath, text) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw LocalFileError.from(err, 'lock', lockPath);
    }
    const current = await readText(lockPath);
    if (current === undefined) continue; // released meanwhile
    const holder = parseHolder(current);
    const stale = await staleReason(lockPath, holder, host, options.now());
    if (stale === undefined) throw inUse(journal, lockPath, holder, host);
    await takeOver(lockPath, current, me.token, () => inUse(journal, lockPath, undefined, host));
    options.warn(`took over the lock of ${journal}: ${stale}`);
  }
  throw inUse(journal, lockPath, undefined, host);
}

async function releaseIfOurs(lockPath: string, ours: string): Promise<void> {
  if ((await readText(lockPath).catch(() => undefined)) === ours) await fs.rm(lockPath, { force: true });
}
