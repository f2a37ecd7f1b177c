/**
 * Saved plans (`jobs import --dry-run --plan-out PLAN`, then `jobs import --plan PLAN`), as
 * terraform's `plan -out` / `apply PLAN`: what was reviewed is what is applied. The plan file holds
 * the archive (path, sha256 of the file and of its entries), the flags that decide the plan, and
 * per job the action and the fingerprint of the workspace version it was planned against.
 * Applying re-plans against the workspace and refuses (exit 4, before anything is saved, stopped
 * or staged) when the archive changed or the workspace drifted for a planned job, naming each job
 * and what changed. Written atomically; an existing file is replaced only if it is a plan.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { CleanupRegistry } from '../util/cleanup.js';
import type { ArchiveModel } from '../archive/model.js';
import { LocalFileError, RefusedError, UsageError } from '../errors.js';
import { pathExists, writeFileAtomic } from '../util/atomic.js';
import { packSourceOf } from '../rewrite/pack-source.js';
import { compareEntryNames } from '../archive/zip-write.js';
import { namedFew } from '../output/bounded.js';
import { clip } from '../compare/show-change.js';

/** Drifted jobs named one per line before the rest are counted. */
const SHOWN = 10;
import type { ImportRun } from './run.js';
import { PLAN_FLAGS, PLAN_FORMAT, type SavedPlan, type SavedPlanJob } from './saved-plan-format.js';
import { nextTurn } from '../util/steps.js';

/** sha256 of the archive's entries (names and bytes, sorted): the same for a zip and its directory. */
export function entriesSha256(model: ArchiveModel): string {
  const hash = createHash('sha256');
  const entries = packSourceOf(model).entries.slice().sort((a, b) => compareEntryNames(a.name, b.name));
  for (const e of entries) hash.update(`${e.name}\0${e.data.length}\0`).update(e.data);
  return hash.digest('hex');
}

async function fileSha256(file: string): Promise<string | null> {
  const data = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EISDIR') return undefined;
    throw LocalFileError.from(err, 'read', file);
  });
  return data === undefined ? null : createHash('sha256').update(data).digest('hex');
}

/** An existing --plan-out PATH is replaced only when it is a plan this tool wrote (checked before any request). */
export async function checkPlanOutPath(target: string): Promise<void> {
  if (!(await pathExists(target))) return;
  const text = await readFile(target, 'utf8').catch(() => '');
  let format: unknown;
  try {
    format = (JSON.parse(text) as { format?: unknown }).format;
  } catch {
    format = undefined;
  }
  if (format !== PLAN_FORMAT) {
    throw new RefusedError(`--plan-out ${target} exists and is not a plan written by dataarts; it is left alone`, [{ subject: target, reason: 'exists, not a plan' }], {
      hint: 'Choose another --plan-out PATH.',
    });
  }
}

/** With --dry-run --plan-out: save the plan just printed. */
/** The archive's digests a saved plan records, per run (started early by digestArchiveForPlan). */
const planDigests = new WeakMap<ImportRun, Promise<{ sha256: string | null; entriesSha256: string }>>();

/**
 * Start the archive's digests for --plan-out while the workspace is still being read (~50 ms of
 * hashing at 2,500 jobs that would otherwise come after the last export).
 */
export function digestArchiveForPlan(run: ImportRun): void {
  const digests = (async () => {
    await nextTurn();
    const entries = entriesSha256(run.model);
    return { sha256: await fileSha256(run.settings.archive), entriesSha256: entries };
  })();
  digests.catch(() => undefined); // awaited (and its error reported) when the plan is written
  planDigests.set(run, digests);
}

export async function writeSavedPlan(run: ImportRun, target: string, cleanup: CleanupRegistry): Promise<void> {
  const { settings, model } = run;
  const digests = await (planDigests.get(run) ?? (async () => ({ sha256: await fileSha256(settings.archive), entriesSha256: entriesSha256(model) }))());
  const plan: SavedPlan = {
    format: PLAN_FORMAT,
    createdAt: run.ctx.deps.now().toISOString(),
    workspace: run.workspace ?? null,
    archive: { path: settings.archive, ...digests },
    options: settings.planOptions ?? {},
    jobs: run.planned.jobs.map((p) => {
      const c = run.planned.comparisons.get(p.name);
      return { name: p.name, action: p.action, workspaceSha256: c?.workspaceSha256 ?? null, changedPaths: c?.changes.map((x) => x.path) ?? [] };
    }),
  };
  await writeFileAtomic(target, `${JSON.stringify(plan, null, 2)}\n`, { force: true, cleanup }).catch((err: unknown) => {
    throw LocalFileError.from(err, 'write', target);
  });
  run.ctx.ui.info(`Plan saved: ${target} (apply exactly this with: dataarts jobs import --plan ${target})`);
}

/** Read a plan file (exit 7 when unreadable, 2 when it is not a plan or flags contradict it). */
export async function loadSavedPlan(file: string, explicitFlags: string[]): Promise<SavedPlan> {
  const text = await readFile(file, 'utf8').catch((err: unknown) => {
    throw LocalFileError.from(err, 'read', file);
  });
  let plan: SavedPlan;
  try {
    plan = JSON.parse(text) as SavedPlan;
  } catch {
    throw new UsageError(`--plan ${file} is not a plan (not JSON)`, { hint: 'Give a file written by `dataarts jobs import ARCHIVE --dry-run --plan-out PLAN`.' });
  }
  if (plan?.format !== PLAN_FORMAT || !Array.isArray(plan.jobs) || typeof plan.archive?.path !== 'string') {
    throw new UsageError(`--plan ${file} is not a plan written by dataarts (format ${JSON.stringify(plan?.format)})`, { hint: 'Give a file written by `dataarts jobs import ARCHIVE --dry-run --plan-out PLAN`.' });
  }
  const fixed = explicitFlags.filter((f) => (PLAN_FLAGS as readonly string[]).includes(f));
  if (fixed.length > 0) {
    const flags = fixed.map((f) => `--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    throw new UsageError(`${flags.join(', ')} cannot be given with --plan: the plan fixes ${fixed.length === 1 ? 'it' : 'them'}`, { hint: 'Apply the plan as it is, or make a new one with --dry-run --plan-out.' });
  }
  return plan;
}

/** Before any request: a --plan's archive must be the one planned: same file bytes, same entries. */
export async function checkPlannedArchive(plan: SavedPlan, model: ArchiveModel): Promise<void> {
  const fileNow = await fileSha256(plan.archive.path);
  const entriesNow = entriesSha256(model);
  if ((plan.archive.sha256 !== null && fileNow !== plan.archive.sha256) || entriesNow !== plan.archive.entriesSha256) {
    throw new RefusedError(`the archive ${plan.archive.path} changed since the plan was made (sha256 ${fileNow ?? entriesNow}, planned ${plan.archive.sha256 ?? plan.archive.entriesSha256}); nothing was changed`, [{ subject: plan.archive.path, reason: 'sha256 differs from the plan' }], {
      hint: 'Review a new plan: dataarts jobs import ARCHIVE --dry-run --plan-out PLAN.',
    });
  }
}

/** Why one planned job no longer matches, or undefined. */
function driftOf(saved: SavedPlanJob, run: ImportRun, now: { existing: Set<string>; action?: string }): string | undefined {
  const { existing } = now;
  if (saved.action === 'create') return existing.has(saved.name) ? 'planned as a new job, but a job of that name now exists in the workspace' : undefined;
  if (saved.workspaceSha256 === null || saved.action === 'skip') return undefined;
  const cmp = run.planned.comparisons.get(saved.name);
  if (!cmp) return 'no longer in the workspace';
  if (cmp.workspaceSha256 !== saved.workspaceSha256) {
    const paths = cmp.changes.map((c) => c.path);
    const added = paths.filter((p) => !saved.changedPaths.includes(p));
    const gone = saved.changedPaths.filter((p) => !paths.includes(p));
    const what = [added.length > 0 ? `now also differs at ${namedFew(added, 3)}` : '', gone.length > 0 ? `no longer differs at ${namedFew(gone, 3)}` : ''].filter(Boolean).join('; ');
    return `changed in the workspace since the plan${what ? `: ${what}` : ' (a field the comparison ignores, or the same paths with other values)'}`;
  }
  if (now.action !== undefined && now.action !== saved.action && now.action !== 'blocked') return `planned ${saved.action}, now ${now.action}`;
  return undefined;
}

/** Refuse (exit 4, nothing changed yet) when the workspace drifted for a planned job. */
export function checkPlanStillHolds(run: ImportRun, plan: SavedPlan): void {
  if ((run.workspace ?? null) !== plan.workspace) {
    throw new RefusedError(`the plan was made for ${plan.workspace === null ? 'the default workspace' : `workspace ${plan.workspace}`}, not ${run.workspaceLabel}; nothing was changed`, [{ subject: run.workspaceLabel, reason: 'not the planned workspace' }], {
      hint: 'Apply it with the workspace it was made for (--workspace), or make a new plan.',
    });
  }
  const existing = new Set(run.planned.existing.map((j) => j.name));
  const actions = new Map(run.planned.jobs.map((p) => [p.name, p.action]));
  const drifted = plan.jobs.flatMap((j) => {
    const why = driftOf(j, run, { existing, action: actions.get(j.name) });
    return why === undefined ? [] : [{ subject: j.name, reason: why }];
  });
  if (drifted.length === 0) return;
  // One line per job (the first SHOWN; all of them in --json), each within 200 characters.
  const lines = drifted.slice(0, SHOWN).map((d) => clip(`  ${d.subject}: ${d.reason}`));
  if (drifted.length > SHOWN) lines.push(`  and ${drifted.length - SHOWN} more`);
  throw new RefusedError(
    `the workspace changed since the plan for ${drifted.length} planned job${drifted.length === 1 ? '' : 's'}; nothing was changed\n${lines.join('\n')}`,
    drifted,
    { hint: 'Review a new plan: dataarts jobs import ARCHIVE --dry-run --plan-out PLAN (--json lists every drifted job).' },
  );
}
