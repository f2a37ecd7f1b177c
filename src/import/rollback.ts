/**
 * The rollback archive: before an overwrite is uploaded, the target's current versions of every
 * job it replaces are exported (batch export, 100 per call) through the same pipeline as
 * `jobs export`, so the archive has the same layout and guarantees (deterministic zip, atomic
 * write, `{archive}.manifest.json` sidecar). `jobs undo JOURNAL` imports it with overwrite to put
 * those versions back. Written before anything is stopped or uploaded: if it cannot be written,
 * nothing has changed yet.
 */
import path from 'node:path';
import type { SecretFinding } from '../secrets/scan.js';
import { RefusedError } from '../errors.js';
import { pathExists } from '../util/atomic.js';
import { exportToArchive } from '../export/pipeline.js';
import { archiveOrder, DEFAULT_CONCURRENCY } from '../export/batches.js';
import { manifestPathFor } from '../export/manifest.js';
import { utcStamp, workspaceLabel } from '../export/output-path.js';
import type { ImportRun } from './run.js';
import { LOCK_FIELDS } from '../api/service-inferred.js';

/** `dataarts-rollback-{workspace}-{UTC stamp}[-N].zip` in `dir`, neither it nor its manifest existing. */
async function defaultRollbackPath(dir: string, workspace: string | undefined, now: Date): Promise<string> {
  const base = `dataarts-rollback-${workspaceLabel(workspace)}-${utcStamp(now)}`;
  for (let n = 1; ; n++) {
    const candidate = path.join(dir, `${base}${n > 1 ? `-${n}` : ''}.zip`);
    if (!(await pathExists(candidate)) && !(await pathExists(manifestPathFor(candidate)))) return candidate;
  }
}

/** An explicit --rollback PATH must not exist yet (checked before any request). */
export async function checkRollbackPath(cwd: string, rollback: string | false | undefined): Promise<void> {
  if (typeof rollback !== 'string') return;
  const target = path.resolve(cwd, rollback);
  const existing: string[] = [];
  for (const p of [target, manifestPathFor(target)]) if (await pathExists(p)) existing.push(p);
  if (existing.length > 0) {
    throw new RefusedError(
      `the rollback archive's path is taken: ${existing.join(', ')}`,
      existing.map((subject) => ({ subject, reason: 'already exists' })),
      { hint: 'Choose another --rollback PATH (the tool never replaces a rollback archive).' },
    );
  }
}

/** The jobs the import will replace: same-name jobs it overwrites. */
function replacedJobs(run: ImportRun): string[] {
  return run.planned.jobs.filter((p) => p.action === 'overwrite').map((p) => p.name);
}

/** Where the rollback archive goes: undefined when there is none (--no-rollback, nothing replaced). */
export async function rollbackTarget(run: ImportRun): Promise<string | undefined> {
  const { ctx, settings } = run;
  if (settings.rollback === false || replacedJobs(run).length === 0) return undefined;
  return typeof settings.rollback === 'string'
    ? path.resolve(ctx.deps.cwd, settings.rollback)
    : defaultRollbackPath(ctx.deps.cwd, run.workspace, ctx.deps.now());
}

/**
 * The workspace's versions of the scripts the import overwrites (under overwrite, every script of
 * the archive that the workspace has), to travel in the folder of the last replaced job: the batch
 * export adds only the scripts the replaced jobs run, and a script another job runs must come
 * back too. Where the export already holds a copy, that copy is kept (batches.ts).
 */
async function overwrittenScripts(run: ImportRun, replaced: string[]): Promise<{ name: string; job: string; data: Buffer }[]> {
  if (run.settings.policy !== 'OVERWRITE' || replaced.length === 0) return [];
  const carrier = archiveOrder(replaced).at(-1)!;
  const out: { name: string; job: string; data: Buffer }[] = [];
  for (const script of run.outline.scripts) {
    const current = await run.session.dataarts.getScript(script.name);
    if (!current) continue;
    // Lock fields describe the workspace's copy now (reference §8); they are not the script.
    const lockFields = new Set<string>(Object.values(LOCK_FIELDS));
    const text = JSON.stringify(Object.fromEntries(Object.entries(current).filter(([k]) => !lockFields.has(k))), null, 2);
    out.push({ name: `jobs/${carrier}/${script.name}.script`, job: carrier, data: Buffer.from(`${text}\n`) });
  }
  return out;
}

/** Export the versions the import replaces into `output`; returns the archive's path and its secrets findings. */
export async function saveRollback(run: ImportRun, output: string): Promise<{ path: string; secrets: SecretFinding[] }> {
  const { ctx, settings, session } = run;
  const names = new Set(replacedJobs(run));
  const extraEntries = await overwrittenScripts(run, [...names]);
  const result = await exportToArchive(ctx, session.dataarts, {
    command: 'jobs import --rollback',
    jobs: run.planned.existing.filter((j) => names.has(j.name)),
    output,
    layout: 'zip',
    force: false,
    exportDepend: true,
    exportStatus: 'DEVELOP',
    concurrency: DEFAULT_CONCURRENCY,
    workspace: workspaceLabel(run.workspace),
    // The rollback archive holds what the workspace holds now: it warns about secrets, never refuses
    // (refusing would block the release over jobs it is about to replace).
    secrets: { failOnSecrets: false },
    selection: { rollbackOf: path.basename(settings.archive), jobs: [...names].sort() },
    extraEntries,
  });
  ctx.ui.info(`Rollback archive: ${result.path} (the ${result.jobs} job${result.jobs === 1 ? '' : 's'} this import replaces, as they are now)`);
  return { path: result.path, secrets: result.secrets };
}
