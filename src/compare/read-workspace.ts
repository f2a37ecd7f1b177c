/**
 * The workspace's current definitions of some jobs, read the way `jobs export` reads them: batch
 * export, at most 100 names a call, each zip read with the hostile-safe reader. Used by
 * `jobs diff`, the import's dry-run counts and its read-back check.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { readZipEntries } from '../archive/zip-read.js';
import { EXPORT_BATCH_LIMITS } from '../archive/limits.js';
import { buildModel } from '../archive/model.js';
import { BATCH_SIZE, type BatchExporter } from '../export/batches.js';
import { mapLimit } from '../util/pool.js';
import { definitionsOf, mergeDefinitions, type Definitions } from './definitions.js';

/** Batch-export calls in flight (the client paces them at the documented 10/s). */
const CONCURRENCY = 4;

/**
 * Each batch's definitions as it arrives (`onBatch(names, definitions)`, batches in any order), so
 * a caller can compare and let each batch go instead of holding every job read.
 * `onProgress(jobsRead, total)` after each batch, so a progress counter moves.
 */
export async function forEachWorkspaceBatch(
  client: BatchExporter,
  input: { names: string[]; workDir: string },
  onBatch: (names: string[], current: Definitions) => void,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const batches: string[][] = [];
  const sorted = [...new Set(input.names)].sort();
  let done = 0;
  onProgress?.(0, sorted.length);
  for (let i = 0; i < sorted.length; i += BATCH_SIZE) batches.push(sorted.slice(i, i + BATCH_SIZE));
  await mapLimit(batches.map((batch, i) => ({ batch, i })), CONCURRENCY, async ({ batch, i }) => {
    const file = path.join(input.workDir, `read-back-${process.pid}-${Date.now()}-${i}.zip`);
    try {
      await client.batchExport(batch, { exportDepend: true, exportStatus: 'DEVELOP' }, file);
      const entries = await readZipEntries(file, EXPORT_BATCH_LIMITS);
      onBatch(batch, definitionsOf(buildModel('workspace export', entries)));
      done += batch.length;
      onProgress?.(done, sorted.length);
    } finally {
      await rm(file, { force: true });
    }
  });
}

/** Every definition of `names` at once (for callers that need them together). */
export async function readWorkspaceDefinitions(client: BatchExporter, names: string[], workDir: string, onProgress?: (done: number, total: number) => void): Promise<Definitions> {
  const sets: Definitions[] = [];
  await forEachWorkspaceBatch(client, { names, workDir }, (_names, current) => void sets.push(current), onProgress);
  return mergeDefinitions(sets);
}
