/**
 * Before any request: the state file must be readable if it exists, and its directory a writable
 * directory (the state, its temp file and the lock are written there). Exit 7 naming the path and
 * the reason in words otherwise.
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { LocalFileError } from '../errors.js';

export async function checkStateLocation(stateFile: string): Promise<void> {
  const dir = path.dirname(stateFile);
  const dirStat = await fs.stat(dir).catch((err: unknown) => {
    throw new LocalFileError('use', dir, err, { hint: `The state file's directory must exist (--state-file ${stateFile}).` });
  });
  if (!dirStat.isDirectory()) throw new LocalFileError('use', dir, 'it is not a directory');
  try {
    await fs.access(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new LocalFileError('write', stateFile, err, { hint: `The state file's directory ${dir} must be writable.` });
  }
  const st = await fs.stat(stateFile).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new LocalFileError('read', stateFile, err);
  });
  if (st && !st.isFile()) throw new LocalFileError('read', stateFile, st.isDirectory() ? 'it is a directory' : 'it is not a regular file');
  if (st) {
    try {
      await fs.access(stateFile, constants.R_OK | constants.W_OK);
    } catch (err) {
      throw new LocalFileError('read', stateFile, err);
    }
  }
}
