/**
 * Where a backup file lives: an absolute local path, or `obs://BUCKET/KEY` (an OBS object). One
 * string type for both, so the state file, the chain and the commands handle archives the same way
 * wherever they are; src/backups/repository.ts does the I/O for either kind.
 *
 * An `obs://` argument is never turned into a local path (`path.resolve('obs://b/p')` would make a
 * folder named `obs:`): every function here keeps the two kinds apart.
 */
import path from 'node:path';
import { UsageError } from '../errors.js';

/** An absolute local path, or `obs://bucket/key` (a key ending in '/' is a prefix: a "directory"). */
export type Location = string;

const OBS = /^obs:\/\/([^/]*)(?:\/(.*))?$/;

export function isObsLocation(loc: string): boolean {
  return /^obs:\/\//i.test(loc.trim());
}

/** `obs://bucket/key` → bucket and key. */
export function splitObs(loc: Location): { bucket: string; key: string } {
  const m = OBS.exec(loc);
  if (!m) throw new Error(`internal: not an obs:// location: ${loc}`);
  return { bucket: m[1]!, key: m[2] ?? '' };
}

/**
 * A location as the user typed it: `obs://…` checked (bucket name, no '.'/'..' segments, no empty
 * segment), anything else resolved against the working directory. `directory`: the location must
 * name a prefix (`obs://b/p/`; a trailing '/' is added to an OBS one).
 */
export function resolveLocation(cwd: string, typed: string, options: { flag: string; directory?: boolean }): Location {
  if (!isObsLocation(typed)) return path.resolve(cwd, typed);
  const m = OBS.exec(typed.trim().replace(/^obs:/i, 'obs:'));
  const bucket = m?.[1] ?? '';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new UsageError(`${options.flag} ${JSON.stringify(typed)} is not an OBS location`, { hint: 'Write it as obs://BUCKET/PREFIX/ (bucket: 3-63 lower-case letters, digits, - and .).' });
  }
  let key = m?.[2] ?? '';
  const parts = key.split('/');
  if (parts.some((p, i) => p === '.' || p === '..' || (p === '' && i < parts.length - 1))) {
    throw new UsageError(`${options.flag} ${JSON.stringify(typed)} may not contain '.', '..' or empty path segments`);
  }
  if (options.directory && key !== '' && !key.endsWith('/')) key += '/';
  if (!options.directory && (key === '' || key.endsWith('/'))) {
    throw new UsageError(`${options.flag} ${JSON.stringify(typed)} names an OBS prefix, not an object`, { hint: 'Name the object, e.g. obs://BUCKET/backups/state.json.' });
  }
  return `obs://${bucket}/${key}`;
}

/** The "directory" a location is in: the local parent, or the OBS prefix (ending in '/'). */
export function parentOf(loc: Location): Location {
  if (!isObsLocation(loc)) return path.dirname(loc);
  const { bucket, key } = splitObs(loc);
  const cut = key.replace(/\/$/, '').lastIndexOf('/');
  return `obs://${bucket}/${cut < 0 ? '' : key.slice(0, cut + 1)}`;
}

export function baseName(loc: Location): string {
  return isObsLocation(loc) ? splitObs(loc).key.replace(/\/$/, '').split('/').pop()! : path.basename(loc);
}

/** A name inside a directory location. */
export function joinLocation(dir: Location, name: string): Location {
  if (!isObsLocation(dir)) return path.join(dir, name);
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

/**
 * How the state file records an archive: relative to the state file's directory when the archive
 * is of the same kind and below or beside it (a backup folder or prefix can move with its state);
 * otherwise the full location.
 */
export function recordedLocation(stateFile: Location, archive: Location): string {
  if (isObsLocation(stateFile) !== isObsLocation(archive)) return archive;
  if (isObsLocation(archive)) {
    const dir = parentOf(stateFile);
    return archive.startsWith(dir) ? archive.slice(dir.length) : archive;
  }
  const rel = path.relative(path.dirname(stateFile), archive);
  return path.isAbsolute(rel) ? archive : rel.split(path.sep).join('/');
}

/** The location of an archive as recorded (the inverse of recordedLocation). */
export function locationFromRecord(stateFile: Location, recorded: string): Location {
  if (isObsLocation(recorded) || path.isAbsolute(recorded)) return recorded;
  if (isObsLocation(stateFile)) return joinLocation(parentOf(stateFile), recorded);
  return path.resolve(path.dirname(stateFile), recorded);
}
