/**
 * Where an output goes, checked before the first request (contract, exit codes 4 and 7):
 * - `-o` ending in '/' that names an existing directory, or no `-o`: a default name inside it, for
 *   both layouts; a zip `-o` naming an existing directory also means "inside it". Except with
 *   `--layout dir`, when that directory is itself an earlier `--layout dir` output of this tool:
 *   then it is the exact output (below). Default names are
 *   claimed exclusively (an empty placeholder file or directory), so concurrent runs get distinct
 *   names (`-2`, `-3` …) instead of failing.
 * - any other `-o`: that exact path. When something is there, `--force` may replace it only if this
 *   tool wrote it: a zip, or a directory that is empty or holds a previous `--layout dir` output
 *   recognised by its manifest and nothing else. Anything else is refused (exit 4) and left alone,
 *   and the refusal does not suggest `--force`.
 * - the directory it goes in must be (or become) a writable directory, else exit 7 naming it.
 */
import path from 'node:path';
import { constants, promises as fs } from 'node:fs';
import type { CommandContext } from '../context.js';
import { LocalFileError, RefusedError, UsageError } from '../errors.js';
import { ownerMark, pathExists } from '../util/atomic.js';
import { defaultOutputName, utcStamp, type NamePrefix } from './output-path.js';
import { manifestPathFor } from './manifest.js';

export interface OutputTarget {
  /** Absolute path of the output (zip file or directory). */
  path: string;
  /** The directory it is in. */
  dir: string;
  /** Whether the commit may replace what is there (our own claim, or a replaceable output under --force). */
  replace: boolean;
  /** The run wrote its output: the claim is now the output. */
  keep(): void;
  /** The run writes nothing: give the claimed name back. */
  discard(): Promise<void>;
}

export interface TargetRequest {
  /** `-o` as typed, if given. */
  typed?: string;
  layout: 'zip' | 'dir';
  force: boolean;
  prefix: NamePrefix;
  workspace: string;
  /** The time in the default name. */
  stamp: Date;
  /**
   * Other files an output of this name has beside it (a backup night's script capture): a default
   * name one of them already uses is taken, like one whose manifest exists.
   */
  sidecars?: (candidate: string) => string[];
}

export async function resolveOutputTarget(ctx: CommandContext, req: TargetRequest): Promise<OutputTarget> {
  const cwd = ctx.deps.cwd;
  if (req.typed === undefined) return claimDefault(ctx, cwd, req);
  // Never a local folder named `obs:` (issue 19): only export-workspace writes to OBS.
  if (/^obs:\/\//i.test(req.typed.trim())) {
    throw new UsageError(`-o ${req.typed}: this command writes a local archive`, { hint: 'Give a local path; `jobs export-workspace -o obs://BUCKET/PREFIX/` writes backups to OBS.' });
  }
  const resolved = path.resolve(cwd, req.typed);
  const st = await fs.stat(resolved).catch(() => undefined);
  const slash = /[\\/]$/.test(req.typed) || req.typed === '.' || req.typed === '..';
  // `-o DIR/` naming an earlier `--layout dir` output of this tool means that tree (refreshed with
  // --force), not a new tree nested inside it: nobody wants dataarts-jobs-…/ inside their export.
  const ownTree = req.layout === 'dir' && slash && st?.isDirectory() === true && (await ownOutputKind(resolved, st)) === 'tree';
  if (st?.isDirectory() && (slash || req.layout === 'zip') && !ownTree) return claimDefault(ctx, resolved, req);
  if (slash && !st && req.layout === 'zip') {
    await makeDirectory(resolved);
    return claimDefault(ctx, resolved, req);
  }
  if (slash && st && !st.isDirectory()) throw new LocalFileError('write', resolved, 'it is not a directory');
  await checkWritableParent(resolved);
  await checkReplaceable(resolved, req);
  return { path: resolved, dir: path.dirname(resolved), replace: req.force, keep() {}, discard: async () => undefined };
}

async function makeDirectory(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (err) {
    throw new LocalFileError('create', dir, err);
  }
}

/** The nearest existing ancestor of `target`'s directory must be a directory we may write in. */
async function checkWritableParent(target: string): Promise<void> {
  let dir = path.dirname(target);
  for (;;) {
    const st = await fs.stat(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(new LocalFileError('write', target, err))));
    if (st) {
      if (!st.isDirectory()) throw new LocalFileError('write', target, `${dir} is not a directory`);
      try {
        await fs.access(dir, constants.W_OK | constants.X_OK);
      } catch (err) {
        throw new LocalFileError('write', target, `${dir}: ${(err as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : (err as Error).message}`, { code: (err as NodeJS.ErrnoException).code });
      }
      return;
    }
    const up = path.dirname(dir);
    if (up === dir) return;
    dir = up;
  }
}

/**
 * What a claimed default zip name holds until the archive replaces it: the tool's mark and who
 * claimed it (a later run removes it when that process is gone: export/leftovers.ts).
 */
export const PLACEHOLDER_MARK = 'dataarts placeholder ';

function placeholderText(): string {
  return `${PLACEHOLDER_MARK}${ownerMark()}\n`;
}

async function anyExists(paths: string[]): Promise<boolean> {
  for (const p of paths) if (await pathExists(p)) return true;
  return false;
}

/** Claim `{prefix}-{workspace}-{stamp}[-N]` in `dir` by creating it exclusively (a placeholder file, or an empty directory). */
async function claimDefault(ctx: CommandContext, dir: string, req: TargetRequest): Promise<OutputTarget> {
  await checkWritableParent(path.join(dir, 'x'));
  await makeDirectory(dir);
  const stamp = utcStamp(req.stamp);
  for (let n = 1; ; n++) {
    const candidate = path.join(dir, defaultOutputName({ prefix: req.prefix, workspace: req.workspace, stamp, layout: req.layout, n }));
    if (await pathExists(manifestPathFor(candidate))) continue;
    if (await anyExists(req.sidecars?.(candidate) ?? [])) continue;
    try {
      if (req.layout === 'zip') await fs.writeFile(candidate, placeholderText(), { flag: 'wx', mode: 0o600 });
      else await fs.mkdir(candidate);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new LocalFileError('write', candidate, err);
    }
    const discard = async () => {
      // Only our own untouched placeholder goes.
      if (req.layout === 'zip') {
        const st = await fs.lstat(candidate).catch(() => undefined);
        if (st?.isFile() && st.size < 200 && (await fs.readFile(candidate, 'utf8')) === placeholderText()) await fs.rm(candidate, { force: true });
      } else {
        await fs.rmdir(candidate).catch(() => undefined);
      }
    };
    const unregister = ctx.deps.cleanup.add(discard);
    return {
      path: candidate,
      dir,
      replace: true,
      keep: unregister,
      discard: async () => {
        unregister();
        await discard();
      },
    };
  }
}

/** Refuse an existing output unless --force may replace it (see the module comment). */
export async function checkReplaceable(target: string, req: { force: boolean }): Promise<void> {
  const sidecar = manifestPathFor(target);
  const st = await fs.lstat(target).catch(() => undefined);
  const sidecarThere = await pathExists(sidecar);
  if (!st && !sidecarThere) return;
  const what = st ? await ownOutputKind(target, st) : 'manifest';
  if (what === undefined) {
    throw new RefusedError(
      `${target} already exists and is not an output of dataarts (${describe(st!)}); it was left untouched`,
      [{ subject: target, reason: 'exists and is not a dataarts output' }],
      { hint: 'Choose another path with -o (a directory ending in "/" gets a new default-named output inside it).' },
    );
  }
  if (sidecarThere && !(await isOurManifest(sidecar))) {
    throw new RefusedError(`${sidecar} already exists and is not a dataarts manifest; it was left untouched`, [{ subject: sidecar, reason: 'exists and is not a dataarts manifest' }], {
      hint: 'Choose another path with -o.',
    });
  }
  if (!req.force) {
    const subject = st ? target : sidecar;
    throw new RefusedError(`output already exists: ${subject}`, [{ subject, reason: 'already exists' }], {
      hint: 'Use --force to replace it, or choose another path with -o.',
    });
  }
}

function describe(st: { isFile(): boolean; isDirectory(): boolean }): string {
  if (st.isDirectory()) return 'a directory with other files in it';
  if (st.isFile()) return 'a file that is not a zip';
  return 'not a regular file or directory';
}

/** 'zip', 'empty' or 'tree' when this tool may replace `target`; undefined otherwise. */
async function ownOutputKind(target: string, st: { isFile(): boolean; isDirectory(): boolean }): Promise<'zip' | 'empty' | 'tree' | undefined> {
  if (st.isFile()) {
    // A zip this tool wrote: its comment says so (manifest.ts zipComment), or our manifest names it.
    const comment = await zipCommentOf(target);
    if (comment === undefined) return undefined;
    if (comment.startsWith('dataarts ')) return 'zip';
    const manifest = await readOurManifest(manifestPathFor(target));
    return (manifest?.archive as { name?: unknown } | undefined)?.name === path.basename(target) ? 'zip' : undefined;
  }
  if (!st.isDirectory()) return undefined;
  const files = await listTree(target);
  if (files === undefined) return undefined;
  if (files.length === 0) return 'empty';
  const manifest = await readOurManifest(manifestPathFor(target));
  if (manifest?.layout !== 'dir' || !Array.isArray(manifest.entries)) return undefined;
  const listed = new Set((manifest.entries as { name?: unknown }[]).map((e) => e.name));
  return files.length === listed.size && files.every((f) => listed.has(f)) ? 'tree' : undefined;
}

/** Every regular file under `root` as entry-style paths; undefined when anything else (a symlink …) is there. */
async function listTree(root: string): Promise<string[] | undefined> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<boolean> => {
    for (const d of await fs.readdir(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        if (!(await walk(r))) return false;
      } else if (d.isFile()) out.push(r);
      else return false;
    }
    return true;
  };
  return (await walk('')) ? out : undefined;
}

async function readOurManifest(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    const doc = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
    return (doc.tool as { name?: unknown } | undefined)?.name === 'dataarts' ? doc : undefined;
  } catch {
    return undefined;
  }
}

async function isOurManifest(file: string): Promise<boolean> {
  return (await readOurManifest(file)) !== undefined;
}

/** The comment of a zip file (its end-of-central-directory record), or undefined when it is not a zip. */
async function zipCommentOf(file: string): Promise<string | undefined> {
  const fh = await fs.open(file, 'r');
  try {
    const { size } = await fh.stat();
    const length = Math.min(size, 22 + 0xffff);
    const tail = Buffer.alloc(length);
    await fh.read(tail, 0, length, size - length);
    for (let at = length - 22; at >= 0; at--) {
      if (tail.readUInt32LE(at) !== 0x06054b50) continue;
      const commentLength = tail.readUInt16LE(at + 20);
      if (at + 22 + commentLength === length) return tail.subarray(at + 22).toString('utf8');
    }
    return undefined;
  } finally {
    await fh.close();
  }
}
