/**
 * Where `export-workspace` puts its archive: a local output (export/output-target.ts: claimed
 * default names, --force only over our own outputs), or an OBS location. An OBS archive is built
 * in local scratch space by the same pipeline, then streamed up (archive, then manifest); until the
 * run is recorded, an interrupt or failure deletes what was uploaded.
 */
import { promises as fs } from 'node:fs';
import type { CommandContext } from '../context.js';
import { removeLeftovers } from '../export/leftovers.js';
import { RefusedError, UsageError } from '../errors.js';
import { resolveOutputTarget } from '../export/output-target.js';
import { defaultOutputName, utcStamp } from '../export/output-path.js';
import { manifestPathFor } from '../export/manifest.js';
import { baseName, isObsLocation, joinLocation, parentOf, resolveLocation, type Location } from './location.js';
import type { BackupAccess } from './open-state.js';
import { scriptArchivePathFor } from './script-capture.js';

export interface Destination {
  /** The archive's final location. */
  location: Location;
  /** The directory (prefix) it is in. */
  dir: Location;
  /** Where the export pipeline writes it (the location itself when local). */
  localPath: string;
  /** Whether the pipeline's commit may replace what is at localPath. */
  replace: boolean;
  /**
   * Put the written archive (and manifest) in place; returns the MD5 of an OBS upload. An OBS
   * archive carries the state file it is for in its metadata (unrecorded.ts).
   */
  publish(sha256: string, stateFile?: Location): Promise<{ md5?: string }>;
  /** The run is recorded: nothing left to undo. */
  keep(): void;
  /** The run writes nothing (or failed): give back what was claimed or uploaded. */
  discard(): Promise<void>;
}

export interface DestinationRequest {
  typed?: string;
  layout: 'zip' | 'dir';
  force: boolean;
  workspace: string;
  stamp: Date;
}

export async function resolveDestination(ctx: CommandContext, access: BackupAccess, req: DestinationRequest): Promise<Destination> {
  if (req.typed === undefined || !isObsLocation(req.typed)) return localDestination(ctx, req);
  if (req.layout !== 'zip') throw new UsageError('--layout dir cannot go to OBS (an unpacked tree is many objects)', { hint: 'Use the default --layout zip with an obs:// output.' });
  const directory = req.typed.endsWith('/') || !/\.zip$/i.test(req.typed);
  const given = resolveLocation(ctx.deps.cwd, req.typed, { flag: '-o', directory });
  const location = directory ? await freeDefaultName(access, given, req) : given;
  if (!directory) await checkReplaceableObject(access, location, req.force);
  const scratch = await access.scratch();
  const localPath = scratch.path(baseName(location));
  let uploaded = false;
  const undo = async () => {
    if (!uploaded) return;
    uploaded = false;
    await access.repo.remove(location, { duringCleanup: true });
    await access.repo.remove(manifestPathFor(location), { duringCleanup: true });
  };
  const unregister = ctx.deps.cleanup.add(undo);
  return {
    location,
    dir: directory ? given : parentOf(location),
    localPath,
    replace: false,
    publish: async (sha256, stateFile) => {
      uploaded = true;
      const meta = { sha256, writer: 'dataarts', ...(stateFile ? { state: encodeURIComponent(stateFile) } : {}) };
      const { md5 } = await access.repo.upload(location, localPath, { contentType: 'application/zip', meta });
      await access.repo.upload(manifestPathFor(location), manifestPathFor(localPath), { contentType: 'application/json', meta: { writer: 'dataarts' } });
      return { md5 };
    },
    keep: unregister,
    discard: async () => {
      unregister();
      await undo();
    },
  };
}

/** `{dir}dataarts-workspace-{ws}-{stamp}[-N].zip`, the first N with no archive, manifest or script capture there. */
async function freeDefaultName(access: BackupAccess, dir: Location, req: DestinationRequest): Promise<Location> {
  const stamp = utcStamp(req.stamp);
  for (let n = 1; ; n++) {
    const candidate = joinLocation(dir, defaultOutputName({ prefix: 'dataarts-workspace', workspace: req.workspace, stamp, layout: 'zip', n }));
    // A night that wrote no archive still leaves its script capture under the name: taken too.
    const taken = [candidate, manifestPathFor(candidate), scriptArchivePathFor(candidate)];
    if (!(await anyStored(access, taken))) return candidate;
  }
}

async function anyStored(access: BackupAccess, locations: Location[]): Promise<boolean> {
  for (const l of locations) if (await access.repo.head(l)) return true;
  return false;
}

/** An existing object is replaced only under --force, and only if dataarts wrote it (its metadata says so). */
async function checkReplaceableObject(access: BackupAccess, location: Location, force: boolean): Promise<void> {
  const info = await access.repo.head(location);
  if (!info) return;
  if (info.meta?.writer !== 'dataarts') {
    throw new RefusedError(`${location} already exists and was not written by dataarts; it was left untouched`, [{ subject: location, reason: 'exists and is not a dataarts output' }], {
      hint: 'Choose another location with -o (a prefix ending in "/" gets a new default-named archive inside it).',
    });
  }
  if (!force) throw new RefusedError(`output already exists: ${location}`, [{ subject: location, reason: 'already exists' }], { hint: 'Use --force to replace it, or choose another location with -o.' });
}

/**
 * A local output: what killed runs left there is removed first; once the archive is committed, a
 * failure before the run is recorded removes it again (no archive the state does not know).
 */
async function localDestination(ctx: CommandContext, req: DestinationRequest): Promise<Destination> {
  const target = await resolveOutputTarget(ctx, { ...req, prefix: 'dataarts-workspace', sidecars: (c) => [scriptArchivePathFor(c)] });
  for (const p of await removeLeftovers(target.dir)) ctx.ui.info(`removed ${p}, left by a run that was killed`);
  let unregisterUndo = () => {};
  return {
    location: target.path,
    dir: target.dir,
    localPath: target.path,
    replace: target.replace,
    publish: async () => {
      target.keep();
      unregisterUndo = ctx.deps.cleanup.add(async () => {
        await fs.rm(target.path, { recursive: true, force: true });
        await fs.rm(manifestPathFor(target.path), { force: true });
      });
      return {};
    },
    keep: () => {
      target.keep();
      unregisterUndo();
    },
    discard: () => target.discard(),
  };
}
