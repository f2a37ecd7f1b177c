/**
 * Which archive entry names are safe to extract or import, and resolving a relative path strictly
 * inside a root directory.
 */
import path from 'node:path';
import { ArchiveError } from '../errors.js';

/** Longest accepted entry name, in UTF-8 bytes, and longest single segment (inferred). */
export const MAX_ENTRY_NAME_BYTES = 1024;
export const MAX_SEGMENT_BYTES = 255;

/**
 * Why an archive entry name is unsafe, or undefined when it is safe. Directory entries end in '/'
 * (that trailing slash is allowed); everything else must be a plain relative path of '/'-separated
 * segments.
 */
export function entryNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'empty entry name';
  if (name.includes('\u0000')) return 'entry name contains a NUL character';
  // eslint-disable-next-line no-control-regex
  if (/[\u0001-\u001f\u007f-\u009f]/.test(name)) return 'entry name contains a control character';
  if (name.includes('\uFFFD')) return 'entry name is not valid UTF-8';
  if (name.includes('\\')) return 'entry name contains a backslash';
  if (name.startsWith('/')) return 'absolute path';
  if (/^[a-zA-Z]:/.test(name)) return 'absolute path (drive letter)';
  if (Buffer.byteLength(name, 'utf8') > MAX_ENTRY_NAME_BYTES) {
    return `entry name longer than ${MAX_ENTRY_NAME_BYTES} bytes`;
  }
  const body = name.endsWith('/') ? name.slice(0, -1) : name;
  const segments = body.split('/');
  for (const segment of segments) {
    if (segment === '') return 'empty path segment (//)';
    if (segment === '..') return "'..' path segment";
    if (segment === '.') return "'.' path segment";
    if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES) {
      return `path segment longer than ${MAX_SEGMENT_BYTES} bytes`;
    }
  }
  return undefined;
}

/**
 * The absolute path of `relative` under `root`, which must lie strictly inside root (not root
 * itself). Throws ArchiveError for unsafe names or anything that would escape.
 */
export function resolveInside(root: string, relative: string): string {
  const problem = entryNameProblem(relative);
  if (problem !== undefined) {
    throw new ArchiveError(`unsafe path ${JSON.stringify(relative)}: ${problem}`, [{ subject: relative, reason: problem }]);
  }
  const absoluteRoot = path.resolve(root);
  const target = path.resolve(absoluteRoot, relative);
  const fromRoot = path.relative(absoluteRoot, target);
  if (fromRoot === '' || fromRoot.startsWith('..') || path.isAbsolute(fromRoot)) {
    const reason = 'path escapes the destination directory';
    throw new ArchiveError(`unsafe path ${JSON.stringify(relative)}: ${reason}`, [{ subject: relative, reason }]);
  }
  return target;
}
