/**
 * `--keep N` of `jobs export-workspace`: after a successful run keep the N newest archives this
 * command wrote into the output directory (by the timestamp in their names) and delete the rest
 * with their manifests. Only names this command generates are considered; nothing else is touched.
 */
import { promises as fs } from 'node:fs';
import { listOwnOutputs } from './output-path.js';
import { manifestPathFor } from './manifest.js';

export async function rotateOutputs(dir: string, workspace: string, layout: 'zip' | 'dir', keep: number): Promise<string[]> {
  const own = await listOwnOutputs(dir, workspace, layout);
  const doomed = own.slice(0, Math.max(0, own.length - keep));
  const removed: string[] = [];
  for (const c of doomed) {
    const st = await fs.lstat(c.path).catch(() => undefined);
    // Only what this command would have written there: a regular zip file, or a directory tree.
    if (!st || (layout === 'zip' ? !st.isFile() : !st.isDirectory())) continue;
    await fs.rm(c.path, { recursive: layout === 'dir', force: true });
    await fs.rm(manifestPathFor(c.path), { force: true });
    removed.push(c.path);
  }
  return removed;
}
