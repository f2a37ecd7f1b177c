/**
 * An import archive as the service reads it, in either export layout: batch
 * (`jobs/{job}/{job}.job` with its scripts and resources beside it) or single
 * (`jobs/{job}.job`, `scripts/{s}.script`, `resources/{r}.resource`).
 */
import { scriptsOf, resourcesOf } from './job-refs.js';

export interface ArchiveFile {
  entry: string;
  name: string;
  text: string;
}

export interface ArchiveJob extends ArchiveFile {
  /** Scripts and resources that travel with this job. */
  scripts: ArchiveFile[];
  resources: ArchiveFile[];
}

export interface ImportArchive {
  jobs: ArchiveJob[];
  /** Scripts and resources not attached to any job (imported on their own). */
  looseScripts: ArchiveFile[];
  looseResources: ArchiveFile[];
}

function baseName(entry: string, ext: string): string {
  const file = entry.slice(entry.lastIndexOf('/') + 1);
  return file.slice(0, -ext.length);
}

/** (inferred) Entries that fit neither layout are ignored. */
export function interpretArchive(files: Map<string, Buffer>): ImportArchive {
  const jobs: ArchiveJob[] = [];
  const scripts = new Map<string, ArchiveFile>();
  const resources = new Map<string, ArchiveFile>();
  const folderOf = new Map<string, ArchiveJob>();
  const batchExtras: { folder: string; file: ArchiveFile; kind: 'script' | 'resource' }[] = [];
  for (const [entry, data] of files) {
    const text = data.toString('utf8');
    const parts = entry.split('/');
    if (parts[0] === 'jobs' && parts.length === 2 && entry.endsWith('.job')) {
      jobs.push({ entry, name: baseName(entry, '.job'), text, scripts: [], resources: [] });
    } else if (parts[0] === 'jobs' && parts.length === 3) {
      const folder = parts[1]!;
      if (entry.endsWith('.job')) {
        const job: ArchiveJob = { entry, name: baseName(entry, '.job'), text, scripts: [], resources: [] };
        jobs.push(job);
        folderOf.set(folder, job);
      } else if (entry.endsWith('.script')) batchExtras.push({ folder, kind: 'script', file: { entry, name: baseName(entry, '.script'), text } });
      else if (entry.endsWith('.resource')) batchExtras.push({ folder, kind: 'resource', file: { entry, name: baseName(entry, '.resource'), text } });
    } else if (parts[0] === 'scripts' && parts.length === 2 && entry.endsWith('.script')) {
      scripts.set(baseName(entry, '.script'), { entry, name: baseName(entry, '.script'), text });
    } else if (parts[0] === 'resources' && parts.length === 2 && entry.endsWith('.resource')) {
      resources.set(baseName(entry, '.resource'), { entry, name: baseName(entry, '.resource'), text });
    }
  }
  const looseScripts: ArchiveFile[] = [];
  const looseResources: ArchiveFile[] = [];
  for (const extra of batchExtras) {
    const job = folderOf.get(extra.folder);
    if (!job) (extra.kind === 'script' ? looseScripts : looseResources).push(extra.file);
    else (extra.kind === 'script' ? job.scripts : job.resources).push(extra.file);
  }
  // Single layout: a job takes the top-level scripts/resources it names; the rest go alone.
  const usedScripts = new Set<string>();
  const usedResources = new Set<string>();
  for (const job of jobs) {
    if (job.entry.split('/').length !== 2) continue;
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(job.text) as Record<string, unknown>;
    } catch {
      continue;
    }
    for (const s of scriptsOf(json)) {
      const file = scripts.get(s);
      if (file && !usedScripts.has(s)) job.scripts.push(file), usedScripts.add(s);
    }
    for (const r of resourcesOf(json)) {
      const file = resources.get(r);
      if (file && !usedResources.has(r)) job.resources.push(file), usedResources.add(r);
    }
  }
  for (const [name, file] of scripts) if (!usedScripts.has(name)) looseScripts.push(file);
  for (const [name, file] of resources) if (!usedResources.has(name)) looseResources.push(file);
  jobs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { jobs, looseScripts, looseResources };
}
