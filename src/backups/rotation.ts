/**
 * `--keep N` of `jobs export-workspace` without a state file: after a successful run keep the N
 * newest **complete** archives this command wrote into the output directory (or OBS prefix), by the
 * timestamp in their names, and delete the older complete ones with their manifests.
 *
 * Complete: a default name of this command (`dataarts-workspace-{ws}-{stamp}[-N][.zip]`) with its
 * manifest beside it, written by dataarts, naming this archive, and matching it (a zip's size; in
 * OBS also the sha256 the upload recorded). A 0-byte placeholder or a half-written archive a killed
 * run left is neither counted nor deleted here (see leftovers.ts).
 */
import { manifestPathFor } from '../export/manifest.js';
import { listOwnOutputNames } from '../export/output-path.js';
import { baseName, isObsLocation, type Location } from './location.js';
import type { ListedEntry, Repository } from './repository.js';

export async function rotateOutputs(repo: Repository, where: { dir: Location; workspace: string; layout: 'zip' | 'dir'; keep: number }): Promise<Location[]> {
  const { dir, workspace, layout, keep } = where;
  const entries = await repo.list(dir, `dataarts-workspace-${workspace}-`);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const own = listOwnOutputNames(entries.map((e) => e.name), workspace, layout);
  const complete: ListedEntry[] = [];
  for (const name of own) {
    const entry = byName.get(name)!;
    if (await isComplete(repo, entry, layout)) complete.push(entry);
  }
  const removed: Location[] = [];
  for (const e of complete.slice(0, Math.max(0, complete.length - keep))) {
    await repo.remove(e.location);
    await repo.remove(manifestPathFor(e.location));
    removed.push(e.location);
  }
  return removed;
}

async function isComplete(repo: Repository, entry: ListedEntry, layout: 'zip' | 'dir'): Promise<boolean> {
  const text = await repo.read(manifestPathFor(entry.location)).catch(() => undefined);
  if (text === undefined) return false;
  let doc: { tool?: { name?: unknown }; command?: unknown; archive?: { name?: unknown; bytes?: unknown; sha256?: unknown } };
  try {
    doc = JSON.parse(text.toString('utf8')) as typeof doc;
  } catch {
    return false;
  }
  if (doc.tool?.name !== 'dataarts' || doc.command !== 'jobs export-workspace' || doc.archive?.name !== baseName(entry.location)) return false;
  if (layout === 'dir') return true;
  if (doc.archive.bytes !== entry.size) return false;
  if (!isObsLocation(entry.location)) return true;
  return (await repo.head(entry.location))?.meta?.sha256 === doc.archive.sha256;
}
