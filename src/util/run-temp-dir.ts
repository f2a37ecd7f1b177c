/**
 * Private temporary directories named after the run's process, `{prefix}{pid}-XXXXXX`, so a later
 * run can tell and remove those of runs that were killed (their pid no longer runs on this host:
 * the temp directory is local). A directory whose pid runs, whoever it is, is left alone.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { processAlive } from './process-alive.js';

/** Create this run's directory under `tmp`, after removing those of dead runs with the same prefix. */
export async function makeRunTempDir(tmp: string, prefix: string): Promise<string> {
  await removeDeadRunDirs(tmp, prefix);
  return fs.mkdtemp(path.join(tmp, `${prefix}${process.pid}-`));
}

async function removeDeadRunDirs(tmp: string, prefix: string): Promise<void> {
  const names = await fs.readdir(tmp).catch(() => [] as string[]);
  const pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\d+)-[A-Za-z0-9]{6}$`);
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
    await fs.rm(path.join(tmp, name), { recursive: true, force: true }).catch(() => undefined);
  }
}
