/**
 * The sidecar `{archive}.manifest.json`: the tool's own metadata, kept out of the archive (the
 * service would try to import any entry we added). The generation time lives only here, so the
 * archive bytes depend on nothing but the workspace state.
 */
import { VERSION } from '../version.js';
import type { StagedEntry } from './batches.js';

export interface JobListItem {
  name: string;
  jobType: string;
  scripts: string[];
  resources: string[];
}

export interface ManifestInput {
  command: 'jobs export' | 'jobs export-workspace';
  workspace: string;
  layout: 'zip' | 'dir';
  archiveName: string;
  selection: Record<string, unknown>;
  generatedAt: Date;
  jobList: JobListItem[];
  /** In archive order (as the merge produced them). */
  entries: StagedEntry[];
  bytes: number;
  sha256: string;
}

/** `a.zip` → `a.zip.manifest.json`; a directory `out/` → `out.manifest.json` beside it. */
export function manifestPathFor(output: string): string {
  return `${output.replace(/[\\/]+$/, '')}.manifest.json`;
}

/** The short zip comment: no time, so identical workspace state gives identical bytes. */
export function zipComment(command: string, workspace: string, jobs: number): string {
  return `dataarts ${VERSION} ${command}; workspace ${workspace.replace(/[^\x20-\x7e]/g, '?')}; ${jobs} jobs; metadata in the .manifest.json sidecar`;
}

/** Per-job lists of scripts and resources, from the staged entries. */
export function buildJobList(entries: StagedEntry[], jobTypes: Map<string, string>): JobListItem[] {
  const byJob = new Map<string, JobListItem>();
  for (const [name, jobType] of jobTypes) byJob.set(name, { name, jobType, scripts: [], resources: [] });
  // Entries arrive from the merge in archive order already.
  for (const e of entries) {
    const item = byJob.get(e.job);
    if (!item) continue;
    const file = e.name.slice(`jobs/${e.job}/`.length);
    if (file.endsWith('.script')) item.scripts.push(file.slice(0, -'.script'.length));
    else if (file.endsWith('.resource')) item.resources.push(file.slice(0, -'.resource'.length));
  }
  return [...byJob.values()];
}

export function buildManifest(input: ManifestInput): Record<string, unknown> {
  return {
    manifestVersion: 1,
    tool: { name: 'dataarts', version: VERSION },
    command: input.command,
    generatedAt: input.generatedAt.toISOString(),
    workspace: input.workspace,
    layout: input.layout,
    selection: input.selection,
    archive: { name: input.archiveName, bytes: input.bytes, sha256: input.sha256 },
    jobs: input.jobList,
    entries: input.entries.map((e) => ({ name: e.name, size: e.size, sha256: e.sha256 })),
  };
}
