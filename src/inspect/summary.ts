/**
 * What an archive holds, for `archive show`: each job with its type, node count and the scripts and
 * resources it carries (or names without carrying), and the scripts and resources no job carries.
 */
import path from 'node:path';
import type { ArchiveModel } from '../archive/model.js';

export interface JobSummaryRow {
  name: string;
  jobType: string;
  nodes: number;
  scripts: string[];
  resources: string[];
  /** Named by the job's nodes but not in the archive (the target workspace must already have them). */
  missingScripts: string[];
  missingResources: string[];
}

export interface ArchiveSummary {
  layout: 'batch' | 'single';
  jobs: JobSummaryRow[];
  looseScripts: string[];
  looseResources: string[];
  scripts: number;
  resources: number;
  entries: number;
  unpackedBytes: number;
}

function baseName(entry: string, ext: string): string | undefined {
  const base = path.posix.basename(entry);
  return base.endsWith(ext) ? base.slice(0, -ext.length) : undefined;
}

export function summarize(model: ArchiveModel): ArchiveSummary {
  const scriptNames = new Set(model.scripts.map((s) => s.name));
  const resourceNames = new Set(model.resources.map((r) => r.name));
  const carriedScripts = new Set<string>();
  const carriedResources = new Set<string>();
  const jobs = model.jobs.map((job): JobSummaryRow => {
    // Batch layout: the files of its folder; single layout: the files it names (model.companions).
    const scripts = job.companions.map((e) => baseName(e, '.script')).filter((n): n is string => n !== undefined);
    const resources = job.companions.map((e) => baseName(e, '.resource')).filter((n): n is string => n !== undefined);
    scripts.forEach((n) => carriedScripts.add(n));
    resources.forEach((n) => carriedResources.add(n));
    // job.json is parsed on each read (archive/model.ts): read it once.
    const nodes = job.json.nodes;
    return {
      name: job.name,
      jobType: job.jobType,
      nodes: Array.isArray(nodes) ? nodes.length : 0,
      scripts,
      resources,
      missingScripts: job.scriptNames.filter((n) => !scriptNames.has(n)),
      missingResources: job.resourceNames.filter((n) => !resourceNames.has(n)),
    };
  });
  return {
    layout: model.layout,
    jobs,
    looseScripts: [...scriptNames].filter((n) => !carriedScripts.has(n)),
    looseResources: [...resourceNames].filter((n) => !carriedResources.has(n)),
    scripts: model.scripts.length,
    resources: model.resources.length,
    entries: model.entries.length,
    unpackedBytes: model.unpackedBytes,
  };
}
