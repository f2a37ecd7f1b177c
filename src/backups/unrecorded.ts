/**
 * An archive a run on this state file wrote but never recorded (it died between putting the
 * archive in place and writing the state: SIGKILL, a power cut). Its manifest names the state file
 * (`selection.stateFile`; in OBS also the archive's `x-obs-meta-state`) and the state does not record it; the run now going holds the state's
 * lock, so no other run on this state can be writing it. Such archives are removed (with their
 * manifests) before the run writes its own. Archives of other state files, of runs without one,
 * and anything not named like this command's outputs are never touched.
 */
import { manifestPathFor } from '../export/manifest.js';
import { listOwnOutputNames } from '../export/output-path.js';
import { isObsLocation, locationFromRecord, type Location } from './location.js';
import type { Repository } from './repository.js';
import type { ExportState } from './state-file.js';
import { captureStateFile } from './script-capture.js';

export async function removeUnrecorded(repo: Repository, where: { stateFile: Location; state: ExportState | undefined; dir: Location; workspace: string }): Promise<Location[]> {
  const { stateFile, state, dir, workspace } = where;
  const recorded = new Set((state?.runs ?? []).flatMap((r) => [r.archive?.path, r.scriptArchive?.path].flatMap((p) => (p ? [locationFromRecord(stateFile, p)] : []))));
  const entries = await repo.list(dir, `dataarts-workspace-${workspace}-`);
  const removed: Location[] = [];
  for (const name of listOwnOutputNames(entries.map((e) => e.name), workspace, 'zip')) {
    const location = entries.find((e) => e.name === name)!.location;
    if (recorded.has(location)) continue;
    if ((await stateFileOf(repo, location)) !== stateFile) continue;
    await repo.remove(location);
    await repo.remove(manifestPathFor(location));
    removed.push(location);
  }
  // The nights' script captures the same way: their zip comment names the state file.
  const captures = new RegExp(`^dataarts-workspace-${workspace.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d{8}T\\d{6}Z(?:-\\d+)?\\.scripts\\.zip$`);
  for (const e of entries) {
    if (!captures.test(e.name) || recorded.has(e.location)) continue;
    const bytes = await repo.read(e.location).catch(() => undefined);
    if (bytes === undefined || captureStateFile(bytes) !== stateFile) continue;
    await repo.remove(e.location);
    removed.push(e.location);
  }
  return removed;
}

/**
 * The state file an archive was written for: its manifest says so; an OBS archive whose manifest
 * never arrived (the run died between the two uploads) says so in its own metadata.
 */
async function stateFileOf(repo: Repository, location: Location): Promise<string | undefined> {
  const manifest = await repo.read(manifestPathFor(location)).catch(() => undefined);
  if (manifest !== undefined) return manifestStateFile(manifest);
  if (!isObsLocation(location)) return undefined;
  const tagged = (await repo.head(location))?.meta?.state;
  if (tagged === undefined) return undefined;
  try {
    return decodeURIComponent(tagged);
  } catch {
    return undefined;
  }
}

function manifestStateFile(bytes: Buffer): string | undefined {
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as { tool?: { name?: unknown }; selection?: { stateFile?: unknown } };
    return doc.tool?.name === 'dataarts' && typeof doc.selection?.stateFile === 'string' ? doc.selection.stateFile : undefined;
  } catch {
    return undefined;
  }
}
