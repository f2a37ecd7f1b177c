/**
 * `jobs refs --from-workspace`: read the selected jobs' definitions (Show Job) and the scripts
 * their nodes run (Get Script) straight from the workspace instead of from an archive.
 */
import type { ReferenceSource } from './types.js';
import { jobReferences } from './inventory.js';
import { mapLimit } from '../util/pool.js';

/** The part of DataArtsClient this needs. */
export interface DefinitionReader {
  listAllJobs(): Promise<{ name: string }[]>;
  getJob(name: string): Promise<unknown | undefined>;
  getScript(name: string): Promise<Record<string, unknown> | undefined>;
}

export interface WorkspaceDefinitions extends ReferenceSource {
  /** Scripts a node names that the workspace does not have. */
  missingScripts: string[];
  /** Jobs listed but gone by the time their definition was read. */
  vanishedJobs: string[];
}

/**
 * A few requests at a time: the client paces and retries each call, and a small pool keeps a large
 * selection well under the service's per-user rate limit (reference §14).
 */
const CONCURRENCY = 4;

export async function readWorkspaceReferenceSources(
  client: DefinitionReader,
  jobNames: readonly string[],
  options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<WorkspaceDefinitions> {
  const jobs: ReferenceSource['jobs'] = [];
  const vanishedJobs: string[] = [];
  let done = 0;
  await mapLimit(jobNames, CONCURRENCY, async (name) => {
    const json = await client.getJob(name);
    if (json === undefined) vanishedJobs.push(name);
    else jobs.push({ name, json });
    options.onProgress?.(++done, jobNames.length);
  }, options.signal);

  const scriptNames = [...new Set(jobs.flatMap((j) => jobReferences(j.name, j.json).filter((r) => r.kind === 'script').map((r) => r.name)))].sort();
  const scripts: ReferenceSource['scripts'] = [];
  const missingScripts: string[] = [];
  await mapLimit(scriptNames, CONCURRENCY, async (name) => {
    const json = await client.getScript(name);
    if (json === undefined) missingScripts.push(name);
    else scripts.push({ name, json });
  }, options.signal);

  const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return { jobs: jobs.sort(byName), scripts: scripts.sort(byName), missingScripts: missingScripts.sort(), vanishedJobs: vanishedJobs.sort() };
}
