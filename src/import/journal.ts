/**
 * The release journal: what one `jobs import` has done to the service, on disk, so another process
 * can finish (`--resume`) or undo (`jobs undo`) it. Written before the first change and after every
 * step, each time atomically (a temp file beside it, fsync, rename, fsync of the directory): a
 * reader sees the previous record or the new one, never half of one, whatever kills the process.
 *
 * The steps of src/import/ take values and return values; the runner records each result here.
 * Nothing secret is recorded (no credentials, no signed URLs): endpoints, names, ids and hashes.
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { LocalFileError, RefusedError, UsageError } from '../errors.js';
import { pathExists } from '../util/atomic.js';
import { utcStamp, workspaceLabel } from '../export/output-path.js';
import type { JobOutcome } from './task.js';

export const JOURNAL_FORMAT = 'dataarts-release-journal/1';

/** A job the release stopped, and the status it had before (put back by undo). */
export interface StoppedJob {
  name: string;
  type: string;
  statusBefore: string;
}

/** What became of one job the release stopped. */
export interface RestartResult {
  name: string;
  result: 'restarted' | 'left stopped';
  /** Why it was left stopped (or what went wrong starting it). */
  reason?: string;
  /** True when another try may start it (a failed call or status read, not a decision). */
  retry?: boolean;
}

/** The read-back check of one imported job. */
export interface VerifyResult {
  name: string;
  state: 'verified' | 'differs';
  /** What differs (`from` = the workspace's value, `to` = what was staged). */
  changes: { path: string; from?: unknown; to?: unknown }[];
}

/** One planned job: its action, type, and the fingerprints of its version before and as staged. */
export interface JournalJob {
  name: string;
  type: string;
  action: string;
  /** The workspace's list status when planned (undefined for a job to create). */
  statusBefore?: string;
  /** jobFingerprint of the workspace's version before the release (overwritten jobs). */
  before?: string;
  /** jobFingerprint of the version staged, after the import call's own rewrites. */
  staged?: string;
}

/** One import part: where it was staged and what became of its import call and task. */
export interface JournalPart {
  part: number;
  jobs: string[];
  /** `obs://bucket/key` once staged. */
  staged?: string;
  /** True once the staged object was removed (or was never left behind). */
  stagedRemoved?: boolean;
  /** `sending` is recorded before the call: a process killed then cannot know whether it started. */
  importCall?: 'sending' | 'started' | 'refused';
  taskId?: string;
  /** The task's final status, once it ended. */
  status?: string;
}

export interface JournalSettings {
  policy: 'SKIP' | 'OVERWRITE';
  targetStatus?: string;
  approvers: string[];
  executeUser?: string;
  restart: boolean;
  verify: boolean;
  keepStaged: boolean;
}

export interface ReleaseRecord {
  format: typeof JOURNAL_FORMAT;
  startedAt: string;
  updatedAt: string;
  /** The workspace header the release used (null: the service's default workspace). */
  workspace: string | null;
  endpoint: string;
  projectId: string;
  archive: string;
  /** Where the release staged its parts (`obs://bucket/prefix/`); `jobs undo` stages there too. */
  staging: string | null;
  settings: JournalSettings;
  jobs: JournalJob[];
  rollback: string | null;
  stopped: StoppedJob[];
  parts: JournalPart[];
  outcomes: JobOutcome[];
  /** Jobs of finished parts whose outcome no subtask told (decided by reading back). */
  untold: string[];
  verification: VerifyResult[];
  restarts: RestartResult[];
  /** `done`: nothing is left to finish; `interrupted` says why a process stopped before that. */
  state: 'in progress' | 'done';
  /** The last thing that stopped a process before done (signal, timeout, --no-wait, error). */
  interruption?: string;
  /** Set by `jobs undo`: the undo's own journal. */
  undoneBy?: string;
}

/** `dataarts-release-{workspace}-{UTC stamp}[-N].json` in `dir`, not existing yet. */
export async function defaultJournalPath(dir: string, workspace: string | undefined, now: Date): Promise<string> {
  const base = `dataarts-release-${workspaceLabel(workspace)}-${utcStamp(now)}`;
  for (let n = 1; ; n++) {
    const candidate = path.join(dir, `${base}${n > 1 ? `-${n}` : ''}.json`);
    if (!(await pathExists(candidate))) return candidate;
  }
}

/** An explicit --journal PATH must not exist yet (a journal is never replaced by a new release). */
export async function checkJournalPath(target: string): Promise<void> {
  if (await pathExists(target)) {
    throw new RefusedError(`the release journal's path is taken: ${target}`, [{ subject: target, reason: 'already exists' }], {
      hint: 'Choose another --journal PATH, or finish that release with `dataarts jobs import --resume PATH`.',
    });
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, fsConstants.O_RDONLY).catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync().catch(() => undefined); // not every filesystem syncs directories
  } finally {
    await handle.close();
  }
}

/** Write `text` to `target` through a temp file, fsync and rename; `create` refuses an existing target. */
async function writeDurably(target: string, text: string, create: boolean): Promise<void> {
  const temp = `${target}.tmp-${process.pid}-${Date.now()}`;
  try {
    const handle = await fs.open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // link() fails if the target appeared meanwhile: a new journal never replaces a file.
    if (create) await fs.link(temp, target).then(() => fs.unlink(temp));
    else await fs.rename(temp, target);
    await fsyncDir(path.dirname(target));
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw LocalFileError.from(err, 'write', target);
  }
}

/** The journal of one release: the record in memory and its file, rewritten after every step. */
export class ReleaseJournal {
  private constructor(readonly path: string, private current: ReleaseRecord, private readonly now: () => Date) {}

  static async create(target: string, record: ReleaseRecord, now: () => Date): Promise<ReleaseJournal> {
    await writeDurably(target, `${JSON.stringify(record, null, 2)}\n`, true);
    return new ReleaseJournal(target, record, now);
  }

  static async open(target: string, now: () => Date): Promise<ReleaseJournal> {
    let text: string;
    try {
      text = await fs.readFile(target, 'utf8');
    } catch (err) {
      throw LocalFileError.from(err, 'open', target);
    }
    let record: ReleaseRecord;
    try {
      record = JSON.parse(text) as ReleaseRecord;
    } catch (err) {
      throw new UsageError(`${target} is not a release journal: ${(err as Error).message}`, { hint: 'Give the JSON file a release printed as "Release journal: …".' });
    }
    if (record?.format !== JOURNAL_FORMAT) {
      throw new UsageError(`${target} is not a release journal (no "format": "${JOURNAL_FORMAT}")`, { hint: 'Give the JSON file a release printed as "Release journal: …".' });
    }
    return new ReleaseJournal(target, record, now);
  }

  get record(): Readonly<ReleaseRecord> {
    return this.current;
  }

  /** Apply a change and write the whole record again (atomically). */
  async update(change: (record: ReleaseRecord) => void): Promise<void> {
    const next = structuredClone(this.current);
    change(next);
    next.updatedAt = this.now().toISOString();
    await writeDurably(this.path, `${JSON.stringify(next, null, 2)}\n`, false);
    this.current = next;
  }

  part(index: number): JournalPart | undefined {
    return this.current.parts.find((p) => p.part === index);
  }
}

/** The command that finishes this release. */
export function resumeCommand(journalPath: string): string {
  return `dataarts jobs import --resume ${shellWord(journalPath)}`;
}

/** The command that undoes this release. */
export function undoCommand(journalPath: string): string {
  return `dataarts jobs undo ${shellWord(journalPath)}`;
}

function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** An unfinished release journal in `dir` that started `taskId`, if any (for `jobs task`). */
export async function findJournalForTask(dir: string, taskId: string): Promise<string | undefined> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => /^dataarts-release-.*\.json$/.test(n)).sort()) {
    const file = path.join(dir, name);
    try {
      const record = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<ReleaseRecord>;
      if (record.format === JOURNAL_FORMAT && record.state !== 'done' && record.parts?.some((p) => p.taskId === taskId)) return file;
    } catch {
      // Not a journal we can read: not this task's.
    }
  }
  return undefined;
}
