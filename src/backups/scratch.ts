/**
 * Local scratch space for OBS repositories (an archive downloaded to be read, an export staged to
 * be uploaded): a private directory in the system's temp directory, `dataarts-scratch-{pid}-XXXXXX`,
 * removed when the run ends, and by a later run if this one was killed (its pid no longer runs).
 * Nothing is ever written beside an `obs://` argument.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CleanupRegistry } from '../util/cleanup.js';
import { LocalFileError } from '../errors.js';
import { makeRunTempDir } from '../util/run-temp-dir.js';

export interface Scratch {
  dir: string;
  path(name: string): string;
  dispose(): Promise<void>;
}

const PREFIX = 'dataarts-scratch-';

export async function createScratch(cleanup: CleanupRegistry, tmp = os.tmpdir()): Promise<Scratch> {
  let dir: string;
  try {
    dir = await makeRunTempDir(tmp, PREFIX);
  } catch (err) {
    throw new LocalFileError('create', path.join(tmp, `${PREFIX}${process.pid}-…`), err, { hint: 'An obs:// repository needs a little local temporary space (TMPDIR).' });
  }
  let disposed = false;
  const remove = async () => {
    if (disposed) return;
    disposed = true;
    await fs.rm(dir, { recursive: true, force: true });
  };
  const unregister = cleanup.add(remove);
  return {
    dir,
    path: (name) => path.join(dir, name),
    dispose: async () => {
      unregister();
      await remove();
    },
  };
}
