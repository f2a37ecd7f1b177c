/**
 * Optional persistence: the state as one JSON file in dataDir, loaded at start and written
 * atomically (temp file, fsync, rename), so a crash at any moment leaves the previous or the new
 * state, never a torn file. Writes are coalesced: at most one per PERSIST_INTERVAL_MS however many
 * changes arrive (a 2,500-job import changes the state thousands of times, and each write is the
 * whole state: 19 MB), longer when serializing takes long, and always one on close. A SIGKILL
 * loses at most the last interval of changes. Tasks and tokens are not kept (inferred: a restarted service has no running imports).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EmulatorState } from './state.js';

const FILE = 'emulator-state.json';

export function loadState(state: EmulatorState, dataDir: string): boolean {
  let raw: string;
  try {
    raw = fs.readFileSync(path.join(dataDir, FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const doc = JSON.parse(raw) as any;
  for (const w of doc.workspaces ?? []) {
    const ws = state.addWorkspace(w.id);
    ws.hardLock = Boolean(w.hardLock);
    ws.approval = Boolean(w.approval);
    ws.lockedTags = new Set(w.lockedTags ?? []);
    for (const c of w.connections ?? []) ws.connections.set(c.name, c);
    for (const j of w.jobs ?? []) {
      const { text, ...rest } = j;
      const record = state.putJob(w.id, text, rest);
      Object.assign(record, { lastUpdateTime: j.lastUpdateTime, lastUpdateUser: j.lastUpdateUser ?? record.lastUpdateUser, lockedBy: j.lockedBy, id: j.id ?? record.id });
    }
    for (const s of w.scripts ?? []) Object.assign(state.putScript(w.id, s.text, { lockedBy: s.lockedBy }), { lastUpdateTime: s.lastUpdateTime });
    for (const r of w.resources ?? []) Object.assign(state.putResource(w.id, r.text, { lockedBy: r.lockedBy }), { lastUpdateTime: r.lastUpdateTime, id: r.id });
  }
  for (const b of doc.buckets ?? []) {
    state.addBucket(b.name);
    for (const o of b.objects ?? []) state.putObsObject(b.name, o.key, Buffer.from(o.data, 'base64'), { contentType: o.contentType, ...(o.meta ? { meta: o.meta } : {}) }).lastModified = o.lastModified;
  }
  return true;
}

export function serializeState(state: EmulatorState): string {
  const workspaces = [...state.workspaces.values()].map((ws) => ({
    id: ws.id,
    hardLock: ws.hardLock,
    approval: ws.approval,
    lockedTags: [...ws.lockedTags],
    connections: [...ws.connections.values()],
    jobs: [...ws.jobs.values()].map(({ json: _json, tags: _tags, jobType: _t, directory: _d, ...rest }) => rest),
    scripts: [...ws.scripts.values()].map(({ json: _json, ...rest }) => rest),
    resources: [...ws.resources.values()].map(({ json: _json, ...rest }) => rest),
  }));
  const buckets = [...state.buckets.entries()].map(([name, objects]) => ({
    name,
    objects: [...objects.entries()].map(([key, o]) => ({ key, data: o.data.toString('base64'), contentType: o.contentType, lastModified: o.lastModified, ...(o.meta ? { meta: o.meta } : {}) })),
  }));
  return JSON.stringify({ version: 1, workspaces, buckets });
}

/** Fewest milliseconds between two whole-state writes. */
export const PERSIST_INTERVAL_MS = 1000;
/** A lone change is written this soon (a user who restarts right after one change keeps it). */
const FIRST_WRITE_DELAY_MS = 20;
/**
 * Serializing the whole state blocks the server; the gap after a write is at least this many
 * times the time that took, so persisting costs at most ~1/(1+N) of the time however large the
 * state grows (19 MB at 2,500 jobs takes ~0.3 s on a loaded machine).
 */
const GAP_PER_SERIALIZE_MS = 4;

/** Coalesced writes of the state: `changed()` after each change, `flush()` on close. */
export interface Persistence {
  changed(): void;
  /** Write now (after any write in progress); resolves once the file is in place. */
  flush(): Promise<void>;
  /** Whole-state writes completed so far (the file is in place). */
  readonly writes: number;
}

/** Atomic replace: temp file, fsync, rename; the I/O is asynchronous so the server keeps answering. */
async function writeAtomically(dataDir: string, text: string): Promise<void> {
  await fs.promises.mkdir(dataDir, { recursive: true });
  const target = path.join(dataDir, FILE);
  const tmp = `${target}.${process.pid}.tmp`;
  const fh = await fs.promises.open(tmp, 'w');
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.promises.rename(tmp, target);
}

export function persistTo(state: EmulatorState, dataDir: string, intervalMs = PERSIST_INTERVAL_MS): Persistence {
  let timer: NodeJS.Timeout | undefined;
  let nextAllowed = 0;
  let writes = 0;
  let writing: Promise<void> = Promise.resolve();
  const write = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    // Serialized now (a snapshot), written after any write still in progress, in order.
    const started = Date.now();
    const text = serializeState(state);
    const serializeMs = Date.now() - started;
    nextAllowed = Date.now() + Math.max(intervalMs, GAP_PER_SERIALIZE_MS * serializeMs);
    // Each write runs whatever became of the one before (a background failure, e.g. disk full,
    // is not retried: the next change or the final flush writes the state again).
    writing = writing.catch(() => undefined).then(async () => {
      await writeAtomically(dataDir, text);
      writes += 1;
    });
    return writing;
  };
  return {
    changed: () => {
      if (timer) return;
      timer = setTimeout(() => {
        // A failed background write is not fatal: the server keeps running, close() reports its own.
        write().catch(() => undefined);
      }, Math.max(FIRST_WRITE_DELAY_MS, nextAllowed - Date.now()));
      timer.unref();
    },
    flush: () => write(),
    get writes() {
      return writes;
    },
  };
}
