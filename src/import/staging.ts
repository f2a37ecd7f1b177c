/**
 * Staging the archive in OBS for the import call: a key unique to this run, one PUT, and an undo
 * action registered the moment the object exists so a failed or interrupted run removes it.
 */
import { randomBytes } from 'node:crypto';
import { utcStamp } from '../export/output-path.js';
import type { CleanupRegistry } from '../util/cleanup.js';

/** What `ObsClient` offers the import (src/api/obs.ts). */
export interface ObsStore {
  putObject(bucket: string, key: string, filePath: string): Promise<{ etag?: string }>;
  deleteObject(bucket: string, key: string): Promise<void>;
}

export interface StagingLocation {
  bucket: string;
  /** '' or ending in '/'. */
  prefix: string;
}

/** A run id: the timestamp plus random hex, so two runs in the same second never share a key. */
export function newRunId(now: Date): string {
  return `${utcStamp(now)}-${randomBytes(4).toString('hex')}`;
}

/** `{prefix}dataarts-import-{UTC timestamp}-{random hex}[-partN].zip` */
export function stagingKey(location: StagingLocation, runId: string, part?: { index: number; count: number }): string {
  const prefix = location.prefix === '' || location.prefix.endsWith('/') ? location.prefix : `${location.prefix}/`;
  const suffix = part && part.count > 1 ? `-part${part.index + 1}` : '';
  return `${prefix}dataarts-import-${runId}${suffix}.zip`;
}

export interface StagedObject {
  bucket: string;
  key: string;
  /** `obs://bucket/key`, as the import call's `path` wants it. */
  path: string;
  /** Delete the object now; true when removed, false when the delete failed (reported, not thrown). */
  remove(): Promise<boolean>;
  /** Keep the object: forget the undo action (--keep-staged, --no-wait, unknown outcome). */
  keep(): void;
}

/**
 * PUT the file and register its removal with the run's cleanup before anything else can fail.
 * `remover` deletes: it must still work after the run was interrupted (Session.cleanupObs).
 */
export async function stageArchive(
  stores: { obs: ObsStore; remover: Pick<ObsStore, 'deleteObject'>; cleanup: CleanupRegistry },
  object: { location: StagingLocation; key: string; filePath: string },
): Promise<StagedObject> {
  const { obs, remover, cleanup } = stores;
  const { location, key, filePath } = object;
  let settled = false;
  const deleteNow = () => remover.deleteObject(location.bucket, key);
  // Register first: an interrupt during the PUT may still leave the object behind.
  const release = cleanup.add(deleteNow);
  try {
    await obs.putObject(location.bucket, key, filePath);
  } catch (err) {
    release();
    // Best effort: a PUT cut off mid-way may or may not have created the object.
    await deleteNow().catch(() => undefined);
    throw err;
  }
  return {
    bucket: location.bucket,
    key,
    path: `obs://${location.bucket}/${key}`,
    async remove() {
      if (settled) return true;
      settled = true;
      release();
      try {
        await deleteNow();
        return true;
      } catch {
        return false;
      }
    },
    keep() {
      settled = true;
      release();
    },
  };
}
