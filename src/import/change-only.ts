/**
 * What an import would change, job by job, before anything is staged: every archive job that has
 * a same-name job in the workspace is compared (after every rewrite, and with what the import call
 * itself sets) with the workspace's current version and the scripts and resources it carries,
 * read by batch export. Under `overwrite` the equal ones are `unchanged` and left alone (not
 * staged, stopped or overwritten); under `skip` the different ones are counted in a warning.
 * The same comparison (src/compare/definitions.ts) is the read-back check's, after instead of
 * before. Each compared job also gets the sha256 of the workspace version it was compared with,
 * so a saved plan can tell when the workspace moved (src/import/saved-plan.ts).
 */
import { createHash } from 'node:crypto';
import { JsonNumber, numberKey } from '../archive/json-exact.js';
import { buildModel, type ArchiveModel } from '../archive/model.js';
import { compareJob, definitionsOf, mergeDefinitions, type Change, type Definitions } from '../compare/definitions.js';
import { jobAfterImportCall, scriptAfterImportCall, type ImportCallEffects } from '../compare/import-effects.js';
import { WorkspaceBatchReader } from '../compare/read-workspace.js';
import type { CommandContext } from '../context.js';
import type { BatchExporter } from '../export/batches.js';
import { nextTurn } from '../util/steps.js';

/** One compared job: its changes (empty = equal) and the fingerprint of the workspace version. */
export interface Comparison {
  changes: Change[];
  /** sha256 of the workspace's job and the scripts and resources it carries, as compared. */
  workspaceSha256: string;
}

/** What the import call itself sets in a job (params, executeUser, resources). */
export function importEffectsOf(
  settings: { params?: Record<string, string>; jobParams?: ImportCallEffects['jobParams']; executeUser?: string },
  resources: ImportCallEffects['resources'],
): ImportCallEffects {
  return {
    ...(settings.params ? { params: settings.params } : {}),
    ...(settings.jobParams ? { jobParams: settings.jobParams } : {}),
    ...(settings.executeUser !== undefined ? { executeUser: settings.executeUser } : {}),
    resources,
  };
}

/** Definitions as the import call leaves them (in place). */
export function applyImportEffects(defs: Definitions, effects: ImportCallEffects): Definitions {
  for (const [name, job] of defs.jobs) defs.jobs.set(name, { ...job, json: jobAfterImportCall(name, job.json, effects) });
  for (const [name, script] of defs.scripts) defs.scripts.set(name, scriptAfterImportCall(script, effects));
  return defs;
}

/** Jobs parsed between two yields to the event loop (the exports in flight keep going meanwhile). */
const PARSE_CHUNK = 100;

/**
 * The definitions `jobs` (same-name jobs of the archive) would stage, as the import call leaves
 * them, with the scripts and resources they carry. `data` is the rewritten entries; where the
 * rewrites left every entry of these jobs as read, the model's files are parsed (exactly) as
 * they are instead of building a second model, a chunk of jobs at a time so that the workspace
 * exports already started are read while the archive is parsed.
 */
export async function wantedDefinitions(
  model: Pick<ArchiveModel, 'source' | 'jobs' | 'scripts' | 'resources'>,
  input: { names: Set<string>; data: Map<string, Buffer>; original: Map<string, Buffer>; effects: ImportCallEffects },
): Promise<Definitions> {
  const { names, data, original, effects } = input;
  const jobs = model.jobs.filter((j) => names.has(j.name));
  const entries = new Map<string, Buffer>();
  for (const j of jobs) for (const e of [j.entry, ...j.companions]) if (data.has(e)) entries.set(e, data.get(e)!);
  if (entries.size === 0) return { jobs: new Map(), scripts: new Map(), resources: new Map() };
  if ([...entries].some(([e, bytes]) => bytes !== original.get(e))) {
    // Rewritten (time zone, environment map): the staged bytes are what is compared.
    return applyImportEffects(definitionsOf(buildModel(model.source, [...entries].map(([name, bytes]) => ({ name, data: bytes })))), effects);
  }
  const carried = (ext: string) => new Set(jobs.flatMap((j) => j.companions.filter((c) => c.endsWith(ext)).map((c) => c.slice(c.lastIndexOf('/') + 1, -ext.length))));
  const scripts = carried('.script');
  const resources = carried('.resource');
  const sets: Definitions[] = [definitionsOf({ jobs: [], scripts: model.scripts.filter((f) => scripts.has(f.name)), resources: model.resources.filter((f) => resources.has(f.name)) })];
  for (let i = 0; i < jobs.length; i += PARSE_CHUNK) {
    if (i > 0) await nextTurn();
    sets.push(definitionsOf({ jobs: jobs.slice(i, i + PARSE_CHUNK), scripts: [], resources: [] }));
  }
  return applyImportEffects(mergeDefinitions(sets), effects);
}

/**
 * A stable fingerprint of a job's workspace version with what it carries: the JSON of the job and
 * of each script and resource it names (sorted keys, numbers as written), hashed together.
 */
export function workspaceFingerprint(name: string, current: Definitions): string {
  const hash = createHash('sha256');
  const job = current.jobs.get(name);
  if (!job) return 'absent';
  hash.update(canonical(job.json));
  for (const s of job.scripts) hash.update(`\0script ${s}\0${canonical(current.scripts.get(s) ?? null)}`);
  for (const r of job.resources) hash.update(`\0resource ${r}\0${canonical(current.resources.get(r) ?? null)}`);
  return hash.digest('hex');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  // Numbers by their exact decimal value, whichever way the parse kept them.
  if (typeof value === 'number' || value instanceof JsonNumber) return `#${numberKey(value)}`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Read the workspace's current versions of the names `add`ed (batch export, 100 names a call, the
 * first ones starting while the workspace is still being listed and the archive rewritten and
 * parsed); `compareWith` then compares. Each batch is compared as soon as it and the wanted
 * definitions are both there, and let go: only the comparisons are kept, never the workspace's
 * definitions of every job.
 */
export function readForComparison(env: { ctx: CommandContext; client: BatchExporter; workDir: string }): {
  add(name: string): void;
  abandon(): void;
  compareWith(wanted: Definitions): Promise<Map<string, Comparison>>;
} {
  const found = new Map<string, Comparison>();
  const waiting: { batch: string[]; current: Definitions }[] = [];
  let wanted: Definitions | undefined;
  const compareBatch = (batch: string[], current: Definitions, want: Definitions) => {
    for (const name of batch) {
      // A job gone between the list and the export is compared as absent (it will be created).
      if (!current.jobs.has(name) || !want.jobs.has(name)) continue;
      // Scripts and resources count under either policy: under skip, a job whose script differs
      // is one that --duplicate-policy overwrite would change.
      const cmp = compareJob(name, want, current);
      found.set(name, { changes: cmp.changes, workspaceSha256: workspaceFingerprint(name, current) });
    }
  };
  const names = new Set<string>();
  const reader = new WorkspaceBatchReader(env.client, env.workDir, (batch, current) => {
    if (wanted) compareBatch(batch, current, wanted);
    else waiting.push({ batch, current });
  });
  return {
    add(name) {
      names.add(name);
      reader.add(name);
    },
    abandon: () => reader.abandon(),
    async compareWith(want) {
      wanted = want;
      // The batches that came in while the archive was parsed, one at a time with the event loop
      // let run in between: all at once they held it ~0.2 s while paced exports were due.
      while (waiting.length > 0) {
        const w = waiting.shift()!;
        compareBatch(w.batch, w.current, want);
        await nextTurn();
      }
      if (names.size > 0) {
        const progress = await env.ctx.ui.progress('Comparing with the workspace');
        try {
          reader.reportTo((done, total) => progress.update(done, total));
          await reader.end();
        } finally {
          progress.stop();
        }
      }
      const out = new Map<string, Comparison>();
      for (const name of names) if (found.has(name)) out.set(name, found.get(name)!);
      return out;
    },
  };
}
