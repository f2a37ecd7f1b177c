/**
 * One process at a time per release journal: the release while it runs, `jobs import --resume`
 * and `jobs undo`. Two of them on one journal would both follow the task, both start the stopped
 * jobs again, and rewrite the journal over each other.
 *
 * As restic locks a repository (and src/backups/lock.ts a state file): each run writes an entry of
 * its own, `{journal}.lock.{token}` (pid, host, start time), then lists the entries beside it.
 * Alone, it holds the lock and marks its entry `held`. Not alone: if another entry is held it
 * removes its own and refuses (exit 4, naming that run); if the others are only trying too, it
 * removes its own, waits a random moment and tries again. Two runs can never both hold it: each
 * writes its entry before it lists, so whichever lists second sees the other's. An entry whose
 * process is gone (same host, pid not running: SIGKILL, a crash) is removed with a warning; each
 * entry has its own name, so removing a stale one can never remove another run's fresh one. An
 * entry from another host is never removed (its pid means nothing here): the message names the
 * file to remove once that process is known to be gone. The entry goes when its run ends, also
 * after Ctrl-C or SIGTERM.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalFileError, RefusedError } from '../errors.js';
import { sleep } from '../util/abort.js';
import { processAlive } from '../util/process-alive.js';
import { ReleaseJournal } from './journal.js';

interface Holder {
  pid: number;
  host: string;
  since: string;
  held?: boolean;
}

export interface JournalLock {
  /** Remove this run's entry (idempotent). */
  release(): Promise<void>;
}

export interface JournalLockOptions {
  now: () => Date;
  /** Told when the entry of a process that is gone is removed. */
  warn: (message: string) => void;
  /** This machine's name (a parameter so tests can play another host). */
  host?: string;
}

/** An entry that is not a whole holder record is being written: stale only after this long. */
const UNREADABLE_STALE_MS = 60_000;
const ATTEMPTS = 12;

/** The prefix of every run's lock entry for `journal`. */
export function journalLockPrefix(journal: string): string {
  return `${journal}.lock.`;
}

function parseHolder(text: string | undefined): Holder | undefined {
  if (text === undefined) return undefined;
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.since === 'string' ? (h as Holder) : undefined;
  } catch {
    return undefined;
  }
}

async function readEntry(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw LocalFileError.from(err, 'read', file);
  }
}

async function writeEntry(file: string, holder: Holder, create: boolean): Promise<void> {
  try {
    if (create) {
      await fs.writeFile(file, `${JSON.stringify(holder)}\n`, { flag: 'wx', mode: 0o600 });
    } else {
      // Marked held through a rename: a reader never sees half an entry.
      const temp = `${file}.tmp`;
      await fs.writeFile(temp, `${JSON.stringify(holder)}\n`, { mode: 0o600 });
      await fs.rename(temp, file);
    }
  } catch (err) {
    throw LocalFileError.from(err, 'lock', file);
  }
}

/** The other runs' entries beside ours (temp files of a `held` rewrite included: a run is there). */
async function otherEntries(journal: string, own: string): Promise<string[]> {
  const prefix = path.basename(journalLockPrefix(journal));
  const names = await fs.readdir(path.dirname(journal)).catch((err: unknown) => {
    throw LocalFileError.from(err, 'read', path.dirname(journal));
  });
  return names.filter((n) => n.startsWith(prefix) && !n.startsWith(path.basename(own))).map((n) => path.join(path.dirname(journal), n));
}

/** Why an entry may be removed, or undefined when its run may still be there. */
async function staleReason(file: string, holder: Holder | undefined, host: string, now: Date): Promise<string | undefined> {
  if (holder) return holder.host === host && !processAlive(holder.pid) ? `pid ${holder.pid} is no longer running` : undefined;
  const stat = await fs.stat(file).catch(() => undefined);
  return stat && now.getTime() - stat.mtimeMs > UNREADABLE_STALE_MS ? 'it was never completely written' : undefined;
}

function inUse(journal: string, entry: string, holder: Holder | undefined, hereHost: string): RefusedError {
  const who = holder ? `pid ${holder.pid} on ${holder.host === hereHost ? 'this machine' : holder.host}, since ${holder.since}` : 'a run that is still starting';
  return new RefusedError(`the release journal ${journal} is in use by another run (${who}); nothing was changed`, [{ subject: journal, reason: 'locked by another run' }], {
    hint: `Wait for that run to end: it is releasing, finishing or undoing this release. If that process is gone, remove ${entry} and run again.`,
  });
}

export async function lockJournal(journal: string, options: JournalLockOptions): Promise<JournalLock> {
  const host = options.host ?? os.hostname();
  const own = `${journalLockPrefix(journal)}${randomBytes(8).toString('hex')}`;
  const me: Holder = { pid: process.pid, host, since: options.now().toISOString() };
  const release = async () => {
    await fs.rm(own, { force: true });
    await fs.rm(`${own}.tmp`, { force: true });
  };
  for (let attempt = 1; ; attempt++) {
    await writeEntry(own, me, true);
    let contended = false;
    try {
      for (const other of await otherEntries(journal, own)) {
        const holder = parseHolder(await readEntry(other));
        const stale = await staleReason(other, holder, host, options.now());
        if (stale !== undefined) {
          await fs.rm(other, { force: true });
          options.warn(`removed a stale lock of ${journal}: ${stale}`);
        } else if (holder?.held) {
          throw inUse(journal, other, holder, host);
        } else {
          contended = true;
        }
      }
    } catch (err) {
      await release();
      throw err;
    }
    if (!contended) {
      await writeEntry(own, { ...me, held: true }, false);
      return { release };
    }
    // Others are trying at the same moment: step back, let one through.
    await release();
    if (attempt >= ATTEMPTS) throw inUse(journal, journalLockPrefix(journal), undefined, host);
    await sleep(randomInt(5, 50 * attempt));
  }
}

/**
 * Open the journal at `journalPath` under its lock and run `use` with it (`--resume`, `jobs undo`).
 * It is read once before the lock, so a file that is no journal is a usage error with no lock
 * taken, and again under it: what the run before this one last wrote.
 */
export async function withLockedJournal<T>(journalPath: string, options: JournalLockOptions, use: (journal: ReleaseJournal) => Promise<T>): Promise<T> {
  await ReleaseJournal.open(journalPath, options.now);
  const lock = await lockJournal(journalPath, options);
  try {
    return await use(await ReleaseJournal.open(journalPath, options.now));
  } finally {
    await lock.release();
  }
}
