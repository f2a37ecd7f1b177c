/**
 * One run at a time per state file, the same way in a local directory and in OBS (which has no
 * exclusive create): as restic locks a repository.
 *
 * Each run writes its own lock entry `{state-file}.lock.{token}` (pid, host, start time, refresh
 * time), then lists the entries beside it. Alone: it holds the lock, and marks its entry `held`.
 * Not alone: it removes its entry and, if another entry is held, refuses (exit 4, naming that
 * run's pid and host); if the others are only trying too, it waits a random moment and tries
 * again. Two runs can never both hold it: whichever lists second sees the other's entry, since
 * every entry is written before its run lists (the listing reads what was written: local
 * directories, and OBS, inferred). Both may back off at once; the random wait lets one through.
 *
 * An entry is stale when its process is gone (same host, pid not running) or it was not refreshed
 * for 30 minutes (any host; a running holder refreshes it every 5 minutes). A stale entry is
 * removed with a warning: each entry has a run's own name, so removing one can never remove
 * another run's fresh lock. The lock file of older versions (`{state-file}.lock`) is one more entry.
 */
import os from 'node:os';
import { randomBytes, randomInt } from 'node:crypto';
import type { CleanupRegistry } from '../util/cleanup.js';
import { RefusedError } from '../errors.js';
import { processAlive } from '../util/process-alive.js';
import { baseName, parentOf, type Location } from './location.js';
import type { Repository } from './repository.js';

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  /** Tells this run's lock from another's with the same pid (e.g. two runs in one test process). */
  token: string;
  /** Last refresh (ISO); a lock not refreshed for STALE_AFTER_MS is stale. */
  refreshedAt?: string;
  /** The run checked that it is alone: it holds the lock. */
  held?: boolean;
}

export interface HeldLock {
  /** This run's lock entry. */
  path: Location;
  /** Refuse (exit 4) when another run took this lock over as stale: the state must not be written then. */
  check(): Promise<void>;
  release(): Promise<void>;
}

/** restic's figure: a lock not refreshed for 30 minutes is stale. */
export const STALE_AFTER_MS = 30 * 60_000;
const REFRESH_EVERY_MS = 5 * 60_000;
const ATTEMPTS = 12;

/** `{state-file}.lock`, the prefix of every run's lock entry. */
export function lockPathFor(stateFile: Location): Location {
  return `${stateFile}.lock`;
}

interface LockEntry {
  location: Location;
  info: LockInfo;
}

export interface LockOptions {
  cleanup: CleanupRegistry;
  now: () => Date;
  warn: (message: string) => void;
  processAlive?: (pid: number) => boolean;
  /** Test seam: the wait between attempts. */
  sleep?: (ms: number) => Promise<void>;
  /** Test seam: how often a holder refreshes its entry (default 5 minutes). */
  refreshEveryMs?: number;
}

/** Every lock entry of the state file but `mine`. */
async function otherEntries(repo: Repository, stateFile: Location, mine: string): Promise<LockEntry[]> {
  const base = `${baseName(stateFile)}.lock`;
  const listed = await repo.list(parentOf(stateFile), base);
  const out: LockEntry[] = [];
  for (const e of listed) {
    if ((e.name !== base && !e.name.startsWith(`${base}.`)) || e.name === `${base}.${mine}`) continue;
    const text = await repo.read(e.location).catch(() => undefined);
    if (text === undefined) continue; // released meanwhile
    out.push({ location: e.location, info: parseInfo(text) });
  }
  return out;
}

function parseInfo(bytes: Buffer): LockInfo {
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as LockInfo;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') return parsed;
  } catch {
    // unreadable content counts as left by a dead process
  }
  return { pid: 0, host: os.hostname(), startedAt: '?', token: '' };
}

function isStale(info: LockInfo, options: LockOptions): boolean {
  const alive = options.processAlive ?? processAlive;
  if (info.host === os.hostname() && (info.pid <= 0 || !alive(info.pid))) return true;
  const refreshed = Date.parse(info.refreshedAt ?? info.startedAt);
  return !Number.isNaN(refreshed) && options.now().getTime() - refreshed > STALE_AFTER_MS;
}

function refusal(stateFile: Location, holder: LockEntry): RefusedError {
  const { info } = holder;
  const sameHost = info.host === os.hostname();
  return new RefusedError(
    `another run holds the lock of ${stateFile}: pid ${info.pid} on host ${info.host}, started ${info.startedAt}`,
    [{ subject: holder.location, reason: `held by pid ${info.pid} on ${info.host}` }],
    { hint: sameHost ? 'Wait for it to finish; runs on one state file go one at a time.' : `If no run is going on ${info.host}, remove ${holder.location} (or wait: it is stale 30 minutes after its last refresh).` },
  );
}

/** Take the lock or refuse (exit 4); `warn` reports each stale lock removed. */
export async function acquireLock(repo: Repository, stateFile: Location, options: LockOptions): Promise<HeldLock> {
  const token = randomBytes(8).toString('hex');
  const location = `${lockPathFor(stateFile)}.${token}`;
  const started = options.now().toISOString();
  const mine: LockInfo = { pid: process.pid, host: os.hostname(), startedAt: started, token, refreshedAt: started };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let timer: NodeJS.Timeout | undefined;
  // Registered before the first write: an interrupted run leaves no entry behind.
  const unregister = options.cleanup.add(() => {
    clearInterval(timer);
    return repo.remove(location, { duringCleanup: true });
  });
  try {
    for (let attempt = 1; ; attempt++) {
      await repo.write(location, `${JSON.stringify(mine)}\n`);
      const others = await otherEntries(repo, stateFile, token);
      const live: LockEntry[] = [];
      for (const other of others) {
        if (!isStale(other.info, options)) {
          live.push(other);
          continue;
        }
        await repo.remove(other.location);
        const { pid, host, startedAt } = other.info;
        options.warn(`took over a stale lock ${baseName(other.location)} (pid ${pid} on ${host}, started ${startedAt}: no longer running, or not refreshed for 30 minutes)`);
      }
      if (live.length === 0) break;
      await repo.remove(location);
      // A lock file of an earlier release (no refresh time) is a holder, never a run still trying.
      const holder = live.find((e) => e.info.held || e.info.refreshedAt === undefined) ?? (attempt >= ATTEMPTS ? live[0] : undefined);
      if (holder) throw refusal(stateFile, holder);
      // Others are trying at the same moment: back off a random while, so one of us goes first.
      // The run with the lowest token waits least, the others long enough for it to get through
      // (only the wait depends on this; safety never does).
      const first = live.every((e) => e.info.token > token);
      await sleep(first ? randomInt(0, 20) : randomInt(100, 300) * Math.min(attempt, 4));
    }
  } catch (err) {
    unregister();
    await repo.remove(location).catch(() => undefined);
    throw err;
  }
  const write = (info: LockInfo) => repo.write(location, `${JSON.stringify(info)}\n`);
  await write({ ...mine, held: true });
  timer = setInterval(() => {
    write({ ...mine, held: true, refreshedAt: options.now().toISOString() }).catch((err: unknown) => {
      options.warn(`could not refresh the lock ${location}: ${(err as Error).message}`);
    });
  }, options.refreshEveryMs ?? REFRESH_EVERY_MS);
  timer.unref();
  let released = false;
  return {
    path: location,
    check: async () => {
      if ((await repo.read(location)) !== undefined) return;
      throw new RefusedError(`the lock ${location} of this run was removed by another run (as stale); the state was left as it was`, [{ subject: location, reason: 'lock lost' }], {
        hint: 'Run again; if this happens again, a run takes longer than 30 minutes between refreshes.',
      });
    },
    release: async () => {
      if (released) return;
      released = true;
      clearInterval(timer);
      unregister();
      // Through the cleanup client: after SIGINT/SIGTERM the run's own requests are aborted.
      await repo.remove(location, { duringCleanup: true });
    },
  };
}
