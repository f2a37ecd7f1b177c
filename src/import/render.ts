/**
 * What `jobs import` prints on stdout: the plan (--dry-run) and the result, as aligned text or as
 * one JSON document. The shapes here are the command's public output; keep them stable.
 */
import { ExitCode, PartialFailureError } from '../errors.js';
import { formatTable, printJson, printLines } from '../output/render.js';
import { countActions, type PlannedJob } from './job-actions.js';
import type { CommandContext } from '../context.js';
import { resumeCommand, type ReleaseRecord } from './journal.js';
import type { JobOutcome } from './task.js';
import type { ImportRun, PartResult } from './run.js';
import { refusalOf } from './refusals.js';
import { clip } from '../compare/show-change.js';
import { namedFew } from '../output/bounded.js';
import { writeSavedPlan } from './saved-plan.js';
import { leftStoppedOnPurpose } from './restart.js';

/** What the environment map adds to the plan (src/refs). */
export interface PlanReferenceNotes {
  substitutions: { kind: string; from: string; to: string; via: string; where: { job?: string; node?: string; script?: string; entry: string }[] }[];
  unchecked: { kind: string; names: string[] }[];
}

export interface PartSummary {
  /** 1-based. */
  part: number;
  jobs: string[];
  zipBytes: number;
  unpackedBytes: number;
}

export interface PlanDocument {
  workspace: string | null;
  dryRun: true;
  duplicatePolicy: 'SKIP' | 'OVERWRITE';
  jobs: { name: string; type: string; action: string; reason: string | null }[];
  blocked: number;
  /** Jobs per action (create, overwrite, unchanged, skip, blocked). */
  summary: Record<string, number>;
  parts: PartSummary[];
  substitutions: PlanReferenceNotes['substitutions'];
  unchecked: PlanReferenceNotes['unchecked'];
  stagingPath: string | null;
}

export function planDocument(input: {
  workspace: string | undefined;
  policy: 'SKIP' | 'OVERWRITE';
  plan: PlannedJob[];
  parts: PartSummary[];
  refs: PlanReferenceNotes | undefined;
  stagingPath: string | undefined;
}): PlanDocument {
  const { workspace, policy, plan, parts, refs, stagingPath } = input;
  return {
    workspace: workspace ?? null,
    dryRun: true,
    duplicatePolicy: policy,
    jobs: plan.map((p) => ({ name: p.name, type: p.type, action: p.action, reason: p.reason ?? null })),
    blocked: plan.filter((p) => p.action === 'blocked').length,
    summary: countActions(plan),
    parts,
    substitutions: refs?.substitutions ?? [],
    unchecked: refs?.unchecked ?? [],
    stagingPath: stagingPath ?? null,
  };
}

/** The plan as text: every line within 200 characters (long lists counted; all of it in --json). */
export function planLines(doc: PlanDocument): string[] {
  const lines = formatTable(
    ['JOB', 'TYPE', 'ACTION', 'REASON'],
    doc.jobs.map((j) => [j.name, j.type, j.action, j.reason ?? '']),
  );
  if (doc.substitutions.length > 0) {
    lines.push('', ...formatTable(
      ['KIND', 'FROM', 'TO', 'VIA', 'WHERE'],
      doc.substitutions.map((s) => [s.kind, s.from, s.to, s.via, `${s.where.length === 1 ? '' : `${s.where.length} places: `}${namedFew(s.where.map(whereText), 3)}`]),
    ));
  }
  if (doc.unchecked.length > 0) {
    lines.push('', ...formatTable(['UNCHECKED', 'NAMES'], doc.unchecked.map((u) => [u.kind, `${u.names.length}: ${namedFew(u.names)}`])));
  }
  const c = doc.summary;
  lines.push('', `${c.create} to create, ${c.overwrite} to overwrite, ${c.unchanged} unchanged, ${c.skip} to skip, ${c.blocked} blocked`);
  return lines.map((l) => clip(l));
}

function whereText(w: { job?: string; node?: string; script?: string; entry: string }): string {
  if (w.job && w.node) return `${w.job}/${w.node}`;
  return w.job ?? w.script ?? w.entry;
}

/**
 * `{job}  created|overwritten|unchanged|skipped|failed|differs  {message}`, columns aligned, each
 * line within 200 characters. `differs`: imported, but the read-back check found it is not what
 * was staged (`differing` names those jobs).
 */
export function resultLines(outcomes: JobOutcome[], differing: ReadonlySet<string> = new Set()): string[] {
  const width = Math.min(60, Math.max(0, ...outcomes.map((o) => o.name.length)));
  // The service's own "created:"-style prefix repeats the result column: drop it here (JSON keeps it).
  return outcomes.map((o) => {
    const differs = differing.has(o.name) && o.result !== 'failed';
    const result = differs ? 'differs' : o.result;
    const message = differs ? `${o.result}, but read back different from what was staged` : o.message.replace(/^(created|overwritten|skipped|failed):\s*/, '');
    return clip(`${o.name.padEnd(width)}  ${result.padEnd(11)}  ${message}`.trimEnd());
  });
}

export interface ResultDocument {
  workspace: string | null;
  /** The task of the only part; with several parts, the first one's (all are under `parts`). */
  taskId: string;
  /** The worst status over the parts: FAILED, WARNING, then SUCCESSFUL. */
  status: string;
  jobs: JobOutcome[];
  stopped: string[];
  staged: { path: string; removed: boolean };
  parts: PartResult[];
}

const STATUS_RANK: Record<string, number> = { SUCCESSFUL: 0, WARNING: 1, RUNNING: 2, FAILED: 3 };

export function worstStatus(statuses: string[]): string {
  return statuses.reduce((worst, s) => ((STATUS_RANK[s] ?? 3) > (STATUS_RANK[worst] ?? 3) ? s : worst), 'SUCCESSFUL');
}

export function resultDocument(workspace: string | undefined, parts: PartResult[], outcomes: JobOutcome[], stopped: string[]): ResultDocument {
  const first = parts[0]!;
  return {
    workspace: workspace ?? null,
    taskId: first.taskId,
    status: worstStatus(parts.map((p) => p.status)),
    jobs: outcomes,
    stopped,
    staged: { path: first.staged.path, removed: parts.every((p) => p.staged.removed) },
    parts,
  };
}

/** The plan line on stderr before anything is uploaded. */
export function logPlan(run: ImportRun): void {
  const c = countActions(run.planned.jobs);
  const partCount = run.planned.prepared.parts.length;
  run.ctx.ui.info(`Plan: ${c.create} to create, ${c.overwrite} to overwrite, ${c.unchanged} unchanged, ${c.skip} to skip${partCount > 1 ? `, in ${partCount} parts (each within the 10 MB limit)` : ''}`);
}

function partSummaries(run: ImportRun): PartSummary[] {
  return run.planned.prepared.parts.map((p) => ({ part: p.index + 1, jobs: p.jobs, zipBytes: p.zipBytes, unpackedBytes: p.unpackedBytes }));
}

/** `--dry-run`: the plan on stdout; refused (exit 4) when the real run would be. */
export async function printDryRun(run: ImportRun): Promise<number> {
  const { ctx, staging, settings } = run;
  const { jobs, refs, refusals } = run.planned;
  const parts = partSummaries(run);
  const stagingPath = staging ? `obs://${staging.bucket}/${staging.prefix}` : undefined;
  const doc = planDocument({ workspace: run.workspace, policy: settings.policy, plan: jobs, parts, refs, stagingPath });
  // What each same-name job would change: a count and the first few paths (the whole list in --json).
  for (const job of doc.jobs) {
    const c = run.planned.comparisons.get(job.name)?.changes;
    if (!c) continue;
    Object.assign(job, { changes: c });
    if (c.length === 0) continue;
    const verb = job.action === 'skip' ? 'differ' : 'change';
    const note = `${c.length} path${c.length === 1 ? '' : 's'} ${verb}${c.length === 1 ? 's' : ''}: ${c.slice(0, 3).map((x) => x.path).join(', ')}${c.length > 3 ? ', …' : ''}`;
    job.reason = job.reason ? `${job.reason}; ${note}` : note;
  }
  if (ctx.globals.json) await printJson(ctx.deps.io.stdout, { ...doc, refusals });
  else await printLines(ctx.deps.io.stdout, planLines(doc));
  if (!staging) ctx.ui.warn('no OBS staging location: a real import needs --obs-path obs://BUCKET/PREFIX/ or obsStagingPath in the profile');
  if (parts.length > 1) ctx.ui.info(`The archive would be imported in ${parts.length} parts, one after another${settings.wait ? '' : ' (not possible with --no-wait)'}.`);
  if (refusals.length === 0) {
    // Only a plan that could be applied is saved.
    if (settings.planOut !== undefined) await writeSavedPlan(run, settings.planOut, ctx.deps.cleanup);
    ctx.ui.info('Dry run: nothing was uploaded or changed.');
    return ExitCode.OK;
  }
  throw refusalOf(run);
}

/** `--no-wait`: the task id on stdout (or the JSON document). */
export async function printNoWait(ctx: CommandContext, record: ReleaseRecord, done: { taskId: string; stagedPath: string; journal: string }): Promise<number> {
  const stopped = record.stopped.map((j) => j.name);
  ctx.ui.info(`Not waiting (--no-wait). The staged archive stays in OBS until the task has ended: ${done.stagedPath}\n  ${resumeCommand(done.journal)}\n  follows the task, reads back${stopped.length > 0 ? ', starts again what was stopped' : ''} and removes it.`);
  if (stopped.length > 0) {
    ctx.ui.warn(`these jobs were stopped by --stop-running and stay stopped until the import has ended: ${namedFew(stopped, 10)}`);
  }
  if (ctx.globals.json) {
    await printJson(ctx.deps.io.stdout, { workspace: record.workspace, taskId: done.taskId, status: 'RUNNING', stopped, staged: { path: done.stagedPath, removed: false }, journal: done.journal });
  } else {
    await printLines(ctx.deps.io.stdout, [done.taskId]);
  }
  return ExitCode.OK;
}

/** The parts of a release as the result document lists them. */
function partResults(record: ReleaseRecord): PartResult[] {
  // A part whose import call's answer was lost has no task id: its jobs were decided by reading back.
  return record.parts.filter((p) => p.importCall === 'started').map((p) => ({
    part: p.part,
    taskId: p.taskId ?? 'unknown',
    status: p.status ?? 'RUNNING',
    jobs: p.jobs,
    staged: { path: p.staged ?? '', removed: p.stagedRemoved === true },
  }));
}

/**
 * The result document: the task's own status, `ok` for the run as a whole (false exactly when the
 * exit code is 5), and per job its `result` and `verify` (verified, differs, or null when not read
 * back) with the differences; restarts, the rollback archive and the journal.
 */
function fullResultDocument(record: ReleaseRecord, journal: string, ok: boolean): Record<string, unknown> {
  const parts = partResults(record);
  const doc = parts.length > 0
    ? resultDocument(record.workspace ?? undefined, parts, record.outcomes, record.stopped.map((j) => j.name))
    : { workspace: record.workspace, taskId: null, status: 'NOT_IMPORTED', jobs: record.outcomes, stopped: record.stopped.map((j) => j.name), staged: null, parts: [] };
  const checks = new Map(record.verification.map((v) => [v.name, v]));
  return {
    ok,
    ...doc,
    jobs: record.outcomes.map((o) => {
      const v = checks.get(o.name);
      return { ...o, verify: v ? v.state : null, ...(v && v.state === 'differs' ? { differences: v.changes } : {}) };
    }),
    restarts: record.restarts,
    rollback: record.rollback,
    rollbackSecrets: record.rollbackSecrets ?? [],
    journal,
  };
}

/** One line per job on stdout (or the JSON document); exit 5 when some failed, differ or stay stopped. */
export async function printResult(ctx: CommandContext, record: ReleaseRecord, journal: string): Promise<number> {
  const { outcomes } = record;
  const failed = outcomes.filter((o) => o.result === 'failed');
  const differs = record.verification.filter((v) => v.state === 'differs');
  const notRestarted = record.restarts.filter((r) => r.result === 'left stopped' && !leftStoppedOnPurpose(r));
  const ok = failed.length === 0 && differs.length === 0 && notRestarted.length === 0;
  if (ctx.globals.json) await printJson(ctx.deps.io.stdout, fullResultDocument(record, journal, ok));
  else await printLines(ctx.deps.io.stdout, resultLines(outcomes, new Set(differs.map((d) => d.name))));
  if (ok) return ExitCode.OK;
  // One problem per kind, the first few jobs named (every job and path in --json and above).
  const problems: string[] = [];
  if (failed.length > 0) problems.push(`${failed.length} of ${outcomes.length} job${outcomes.length === 1 ? '' : 's'} failed to import: ${namedFew(failed.map((f) => `${f.name} (${clip(f.message, 80)})`), 3)}`);
  if (differs.length > 0) problems.push(`${differs.length} imported job${differs.length === 1 ? '' : 's'} read back different from what was staged: ${namedFew(differs.map((d) => `${d.name} (${d.changes.slice(0, 3).map((c) => c.path).join(', ')}${d.changes.length > 3 ? ', …' : ''})`), 3)}`);
  if (notRestarted.length > 0) problems.push(`${notRestarted.length} job${notRestarted.length === 1 ? '' : 's'} stopped by --stop-running could not be started again and ${notRestarted.length === 1 ? 'is' : 'are'} left stopped: ${namedFew(notRestarted.map((r) => `${r.name} (${r.reason})`), 3)}`);
  throw new PartialFailureError(problems.join('. '), { failed, differs, leftStopped: notRestarted, journal });
}

/** Every job would be skipped or is unchanged: say so, list them, exit 0; nothing was uploaded or started. */
export async function printNothingToImport(run: ImportRun): Promise<number> {
  const { ctx } = run;
  const left = run.planned.jobs.map((p) => ({ name: p.name, result: p.action === 'unchanged' ? 'unchanged' as const : 'skipped' as const, message: p.reason ?? '' }));
  if (ctx.globals.json) {
    await printJson(ctx.deps.io.stdout, { ok: true, workspace: run.workspace ?? null, taskId: null, status: 'NOTHING_TO_IMPORT', jobs: left.map((j) => ({ ...j, verify: null })), stopped: [], staged: null, parts: [], restarts: [], rollback: null });
  } else {
    await printLines(ctx.deps.io.stdout, resultLines(left));
  }
  ctx.ui.info('nothing to import: every job would be skipped or is unchanged; nothing was uploaded and no import was started');
  return ExitCode.OK;
}
