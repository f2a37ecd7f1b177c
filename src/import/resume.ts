/**
 * `jobs import --resume JOURNAL`: finish what an interrupted release left, from its journal alone
 * (the archive and the process that staged it may be gone). Per part, by what the journal says:
 *
 * - never called (or refused): nothing of it reached the service; its jobs are `failed` (not
 *   imported) and its staged object is removed;
 * - `sending` (the process died during the import call): whether it started is unknown; each job
 *   is decided by reading it back (the staged version → imported; the one from before → not);
 * - started and not ended: its task is followed (--timeout), then its outcomes recorded;
 * then the read-back (by fingerprint), the restart rule, and the staged objects removed. Every
 * step is recorded before the next, so a resume that is itself interrupted can be run again.
 */
import type { CommandContext } from '../context.js';
import type { Session } from '../api/session.js';
import { taskJobOutcomes, untoldOutcome } from './outcomes.js';
import { TaskTimeoutError } from './import-call.js';
import { waitForTask } from './task.js';
import type { JobOutcome } from './task.js';
import { resumeCommand, type JournalPart, type ReleaseJournal, type VerifyResult } from './journal.js';
import { mergeRestarts, restartStopped, workspaceVersions, type WorkspaceVersion } from './restart.js';
import { isFinished } from './finished.js';
import { reportVerification } from './verify.js';

export interface ResumeEnv {
  ctx: CommandContext;
  session: Session;
  workDir: string;
  timeoutMs: number;
}

const SUCCESS = new Set(['created', 'overwritten']);

function expectedResult(journal: ReleaseJournal, name: string): 'created' | 'overwritten' | 'skipped' {
  const action = journal.record.jobs.find((j) => j.name === name)?.action;
  return action === 'overwrite' ? 'overwritten' : action === 'skip' ? 'skipped' : 'created';
}

async function recordPart(journal: ReleaseJournal, part: number, fields: Partial<JournalPart>, told: { outcomes?: JobOutcome[]; untold?: string[] } = {}): Promise<void> {
  const outcomes = told.outcomes ?? [];
  const untold = told.untold ?? [];
  await journal.update((r) => {
    Object.assign(r.parts.find((p) => p.part === part)!, fields);
    const names = new Set(outcomes.map((o) => o.name));
    r.outcomes = [...r.outcomes.filter((o) => !names.has(o.name)), ...outcomes];
    r.untold = [...new Set([...r.untold.filter((n) => !names.has(n)), ...untold])];
  });
}

/** Follow one started task to its end and record its outcomes. */
async function followTask(env: ResumeEnv, journal: ReleaseJournal, part: JournalPart): Promise<void> {
  const { ctx, session } = env;
  ctx.ui.info(`Following import task ${part.taskId} (part ${part.part})`);
  const outcome = await waitForTask(session.dataarts, part.taskId!, { timeoutMs: env.timeoutMs, signal: ctx.deps.signal, now: () => ctx.deps.now().getTime() });
  if (outcome.kind === 'timed-out') {
    throw new TaskTimeoutError(part.taskId!, env.timeoutMs / 1000, `Run \`${resumeCommand(journal.path)}\` again later (or raise --timeout).`);
  }
  const { task } = outcome;
  const planned = part.jobs.map((name) => ({ name, action: journal.record.jobs.find((j) => j.name === name)?.action as 'create' | 'overwrite' | 'skip' }));
  const view = { status: task.status, message: task.message, subtasks: task.subtasks ?? [] };
  const outcomes: JobOutcome[] = [];
  const untold: string[] = [];
  for (const [i, o] of taskJobOutcomes(view, planned).entries()) {
    if (o.result === 'unknown') {
      untold.push(o.name);
      outcomes.push(untoldOutcome(view, planned[i]!));
    } else outcomes.push({ ...o, result: o.result });
  }
  ctx.ui.info(`Import task ${part.taskId}: ${task.status}`);
  await recordPart(journal, part.part, { status: task.status }, { outcomes, untold });
}

/** Bring every part to an end: follow started tasks, mark what never reached the service. */
async function settleParts(env: ResumeEnv, journal: ReleaseJournal): Promise<void> {
  // Jobs of no part at all: the release stopped before staging them.
  const inParts = new Set(journal.record.parts.flatMap((p) => p.jobs));
  const never = journal.record.jobs.filter((j) => (j.action === 'create' || j.action === 'overwrite') && !inParts.has(j.name) && !journal.record.outcomes.some((o) => o.name === j.name));
  if (never.length > 0) {
    await journal.update((r) => void r.outcomes.push(...never.map((j) => ({ name: j.name, result: 'failed' as const, message: 'not imported: the release stopped before its import call' }))));
  }
  for (const part of journal.record.parts) {
    if (part.importCall === 'started' && part.status === undefined) await followTask(env, journal, part);
    else if (part.importCall === undefined || part.importCall === 'refused') {
      const why = part.importCall === 'refused' ? 'not imported: the service refused the import call' : 'not imported: the release stopped before its import call';
      const missing = part.jobs.filter((n) => !journal.record.outcomes.some((o) => o.name === n));
      if (missing.length > 0) await recordPart(journal, part.part, {}, { outcomes: missing.map((name) => ({ name, result: 'failed' as const, message: why })) });
    }
  }
}

/**
 * Decide by reading back: jobs whose outcome no task told (untold, or a part whose import call's
 * answer was lost) and, with the read-back check, every job reported imported.
 */
async function readBack(env: ResumeEnv, journal: ReleaseJournal): Promise<void> {
  const record = journal.record;
  const unknownParts = record.parts.filter((p) => p.importCall === 'sending');
  const decide = new Set([...record.untold, ...unknownParts.flatMap((p) => p.jobs)]);
  const check = record.settings.verify ? record.outcomes.filter((o) => SUCCESS.has(o.result)).map((o) => o.name) : [];
  const names = [...new Set([...decide, ...check])];
  if (names.length === 0) return;
  const versions = await workspaceVersions({ dataarts: env.session.dataarts, workDir: env.workDir }, names, record);
  const outcomes: JobOutcome[] = [];
  const verification: VerifyResult[] = [];
  for (const name of names) {
    const version: WorkspaceVersion = versions.get(name) ?? 'absent';
    const reported = record.outcomes.find((o) => o.name === name);
    if (decide.has(name)) {
      const result = version === 'staged' ? expectedResult(journal, name) : 'failed';
      const message = version === 'staged' ? 'no result told by the service; decided by reading it back' : version === 'before' ? 'not imported: the workspace still has the version from before the release' : version === 'absent' ? 'not in the workspace after the import' : 'the workspace has neither the staged version nor the one from before';
      outcomes.push({ name, result, message });
      if (version === 'staged' && record.settings.verify) verification.push({ name, state: 'verified', changes: [] });
    } else if (reported) {
      verification.push(version === 'staged'
        ? { name, state: 'verified', changes: [] }
        : { name, state: 'differs', changes: [{ path: version === 'absent' ? '(the job is not in the workspace)' : '(the job definition: it reads back different from what was staged)' }] });
    }
  }
  reportVerification(env.ctx.ui, verification);
  await journal.update((r) => {
    const names2 = new Set(outcomes.map((o) => o.name));
    r.outcomes = [...r.outcomes.filter((o) => !names2.has(o.name)), ...outcomes];
    r.untold = r.untold.filter((n) => !names2.has(n));
    // The answer to the import call was lost: its task is unknown, and each job was decided above.
    for (const p of r.parts) if (p.importCall === 'sending') Object.assign(p, { importCall: 'started', status: 'UNKNOWN' });
    const checked = new Set(verification.map((v) => v.name));
    r.verification = [...r.verification.filter((v) => !checked.has(v.name)), ...verification];
  });
}

/** Remove every staged object the release should remove and has not (kept ones under --keep-staged). */
async function removeStaged(env: ResumeEnv, journal: ReleaseJournal): Promise<void> {
  for (const part of journal.record.parts) {
    if (part.staged === undefined || part.stagedRemoved === true) continue;
    if (journal.record.settings.keepStaged && part.importCall === 'started') continue;
    const m = /^obs:\/\/([^/]+)\/(.+)$/.exec(part.staged);
    if (!m) continue;
    try {
      await env.session.obs.deleteObject(m[1]!, m[2]!);
      env.ctx.ui.info(`Removed the staged archive ${part.staged}`);
      await recordPart(journal, part.part, { stagedRemoved: true });
    } catch (err) {
      env.ctx.ui.warn(`could not remove the staged archive ${part.staged} (${(err as Error).message}); run --resume again`);
    }
  }
}

/** The steps of a resume, in order; each recorded in the journal before the next. */
export async function resumeRelease(env: ResumeEnv, journal: ReleaseJournal): Promise<void> {
  await settleParts(env, journal);
  await readBack(env, journal);
  // The tasks have ended: nothing reads the staged objects any more.
  await removeStaged(env, journal);
  const restarts = await restartStopped({ ctx: env.ctx, dataarts: env.session.dataarts, workDir: env.workDir, timeoutMs: env.timeoutMs, signal: env.ctx.deps.signal }, journal.record);
  await journal.update((r) => {
    r.restarts = mergeRestarts(r.restarts, restarts);
    if (isFinished(r)) r.state = 'done';
  });
}
