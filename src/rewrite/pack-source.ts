/**
 * The archive model as the packer needs it: every entry with its bytes, and each job with the
 * entries that travel with it. The model keeps one copy per script or resource name (the batch
 * layout repeats identical copies in several job folders, which the reader has checked are equal),
 * so an entry's bytes are found by its kind and name.
 */
import path from 'node:path';
import type { ArchiveFile, ArchiveModel } from '../archive/model.js';
import type { PackSource } from './entries.js';

const KIND_OF_EXTENSION: Record<string, 'job' | 'script' | 'resource'> = { '.job': 'job', '.script': 'script', '.resource': 'resource' };

export function packSourceOf(model: ArchiveModel): PackSource {
  const byKind = {
    job: new Map<string, ArchiveFile>(model.jobs.map((f) => [f.name, f])),
    script: new Map<string, ArchiveFile>(model.scripts.map((f) => [f.name, f])),
    resource: new Map<string, ArchiveFile>(model.resources.map((f) => [f.name, f])),
  };
  const entries = model.entries.map((e) => {
    const ext = path.posix.extname(e.name);
    const kind = KIND_OF_EXTENSION[ext];
    const file = kind ? byKind[kind].get(path.posix.basename(e.name, ext)) : undefined;
    if (!file) throw new Error(`archive model has no data for entry ${e.name}`);
    return file.entry === e.name ? { name: e.name, data: file.data } : { name: e.name, data: file.data, rewriteAs: file.entry };
  });
  return {
    jobs: model.jobs.map((j) => ({ name: j.name, entry: j.entry, companions: j.companions })),
    entries,
  };
}
