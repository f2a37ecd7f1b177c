/**
 * What a killed run (SIGKILL, a power cut) leaves beside its output, removed by the next run that
 * writes there. Only the tool's own names, and only when the process that made them is gone (same
 * host, pid not running): a run going on at the same moment keeps its files.
 * - a claimed default name still holding its placeholder (output-target.ts PLACEHOLDER_MARK);
 * - a staging directory `.{name}.tmp-XXXXXX` with its owner file (util/atomic.ts OWNER_FILE).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OWNER_FILE } from '../util/atomic.js';
import { PLACEHOLDER_MARK } from './output-target.js';
import { processAlive } from '../util/process-alive.js';

const STAGING = /^\..+\.tmp-[A-Za-z0-9]{6}$/;

/** Remove what dead runs left in `dir`; returns the paths removed. */
export async function removeLeftovers(dir: string): Promise<string[]> {
  const removed: string[] = [];
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = path.join(dir, e.name);
    let mark: string | undefined;
    if (e.isDirectory() && STAGING.test(e.name)) mark = await fs.readFile(path.join(p, OWNER_FILE), 'utf8').catch(() => undefined);
    else if (e.isFile() && e.name.startsWith('dataarts-') && e.name.endsWith('.zip')) mark = await placeholderOwner(p);
    if (mark === undefined || !leftByDeadProcess(mark)) continue;
    await fs.rm(p, { recursive: true, force: true }).catch(() => undefined);
    removed.push(p);
  }
  return removed;
}

async function placeholderOwner(file: string): Promise<string | undefined> {
  const st = await fs.stat(file).catch(() => undefined);
  if (!st || st.size > 200) return undefined;
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.startsWith(PLACEHOLDER_MARK) ? text.slice(PLACEHOLDER_MARK.length) : undefined;
}

function leftByDeadProcess(mark: string): boolean {
  try {
    const { pid, host } = JSON.parse(mark) as { pid?: unknown; host?: unknown };
    if (typeof pid !== 'number' || host !== os.hostname() || pid === process.pid) return false;
    return !processAlive(pid);
  } catch {
    return false;
  }
}
