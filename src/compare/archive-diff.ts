/**
 * `jobs diff`: every selected job of an archive, after the rewrites an import would make
 * (environment map, time zone), against the same-name job in the workspace: new, changed (with
 * each path and its old and new value) or same. The comparison is src/compare/definitions.ts, the
 * one the import's read-back check uses.
 */
import { buildModel, type ArchiveModel } from '../archive/model.js';
import { rewriteEntries } from '../rewrite/entries.js';
import { packSourceOf } from '../rewrite/pack-source.js';
import { compareJob, definitionsOf, type Change, type JobComparison } from './definitions.js';
import { readWorkspaceDefinitions } from './read-workspace.js';
import type { BatchExporter } from '../export/batches.js';
import { changeLines } from './show-change.js';

/** `only in workspace`: a job of the workspace the archive lacks (listed with --all). */
export type DiffState = JobComparison['state'] | 'only in workspace';

export interface DiffDocument {
  workspace: string | null;
  jobs: { name: string; state: DiffState; changes: { path: string; from: unknown; to: unknown }[] }[];
  summary: { new: number; changed: number; same: number; onlyInWorkspace?: number };
}

export interface DiffInput {
  model: ArchiveModel;
  /** Job names to compare (already selected and checked against the archive). */
  names: string[];
  /** Names of every job in the workspace (from the list). */
  existing: Set<string>;
  timeZone?: string;
  rewriteEntry?: (entry: string, data: Buffer) => Buffer;
  client: BatchExporter;
  workDir: string;
  workspace: string | undefined;
  /** With --all: workspace jobs the archive lacks, listed as `only in workspace`. */
  onlyInWorkspace?: string[];
  onProgress?: (done: number, total: number) => void;
}

/** The archive as an import would stage it (same rewrites, same bytes). */
function rewrittenModel(model: ArchiveModel, rewrites: { timeZone?: string; rewriteEntry?: (entry: string, data: Buffer) => Buffer }): ArchiveModel {
  const { data } = rewriteEntries(packSourceOf(model), rewrites);
  return buildModel(model.source, [...data].map(([name, bytes]) => ({ name, data: bytes })));
}

function wire(c: Change): { path: string; from: unknown; to: unknown } {
  return { path: c.path, from: c.from === undefined ? null : c.from, to: c.to === undefined ? null : c.to };
}

export async function diffArchive(input: DiffInput): Promise<DiffDocument> {
  const wanted = definitionsOf(rewrittenModel(input.model, { timeZone: input.timeZone, rewriteEntry: input.rewriteEntry }));
  const inWorkspace = input.names.filter((n) => input.existing.has(n));
  const current = await readWorkspaceDefinitions(input.client, inWorkspace, input.workDir, input.onProgress);
  const jobs: DiffDocument['jobs'] = input.names.map((name) => {
    const cmp = compareJob(name, wanted, current);
    return { name, state: cmp.state, changes: cmp.changes.map(wire) };
  });
  const count = (s: DiffState) => jobs.filter((j) => j.state === s).length;
  const summary: DiffDocument['summary'] = { new: count('new'), changed: count('changed'), same: count('same') };
  if (input.onlyInWorkspace) {
    jobs.push(...input.onlyInWorkspace.map((name) => ({ name, state: 'only in workspace' as const, changes: [] })));
    summary.onlyInWorkspace = input.onlyInWorkspace.length;
  }
  return { workspace: input.workspace ?? null, jobs, summary };
}

/**
 * Text output: one line per job, then each changed path indented with its old → new value (a
 * long string shown around its first difference; script content as a unified diff with
 * `unified`). No line over 200 characters.
 */
export function diffLines(doc: DiffDocument, options: { unified?: boolean } = {}): string[] {
  const width = Math.min(60, Math.max(0, ...doc.jobs.map((j) => j.name.length)));
  const lines: string[] = [];
  for (const j of doc.jobs) {
    lines.push(`${j.name.padEnd(width)}  ${j.state}${j.state === 'changed' ? ` (${j.changes.length} path${j.changes.length === 1 ? '' : 's'})` : ''}`);
    for (const c of j.changes) lines.push(...changeLines(c, options));
  }
  return lines;
}
