/**
 * Optional persistence: the state as one JSON file in dataDir, loaded at start and written
 * atomically (temp file + rename) shortly after changes. Tasks and tokens are not kept (inferred:
 * a restarted service has no running imports).
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

export function writeStateSync(state: EmulatorState, dataDir: string): void {
  fs.mkdirSync(dataDir, { recursive: true });
  const target = path.join(dataDir, FILE);
  const tmp = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, serializeState(state));
  fs.renameSync(tmp, target);
}
