/**
 * `dataarts jobs undo JOURNAL [--delete-created]`: put the workspace named in a release journal
 * back as it was before that release (src/import/undo.ts): the replaced jobs from its rollback
 * archive, the run status each stopped job had, and the jobs it created listed or deleted. Never
 * needs --workspace. Refused (exit 4, nothing changed) while the release itself is unfinished.
 */
import { resolve } from 'node:path';
import type { CommandContext } from '../context.js';
import { ExitCode, PartialFailureError, RefusedError } from '../errors.js';
import { printJson, printLines } from '../output/render.js';
import { ReleaseJournal, resumeCommand, type ReleaseRecord } from '../import/journal.js';
import { openJournalSession } from '../import/journal-session.js';
import { withLockedJournal } from '../import/journal-lock.js';
import { handleCreated, quietContext, restoredOutcomes, restoreImportOptions, restoreRunStatus, rollbackOf, undoJournalPath } from '../import/undo.js';
import { runJobsImport } from './jobs-import.js';

export interface JobsUndoOptions {
  journal: string;
  deleteCreated: boolean;
  timeout: number;
}

export async function runJobsUndo(ctx: CommandContext, opts: JobsUndoOptions): Promise<number> {
  const lock = { now: ctx.deps.now, warn: (m: string) => ctx.ui.warn(m) };
  return withLockedJournal(resolve(ctx.deps.cwd, opts.journal), lock, (journal) => undoLocked(ctx, journal, opts));
}

async function undoLocked(ctx: CommandContext, journal: ReleaseJournal, opts: JobsUndoOptions): Promise<number> {
  const record = journal.record as ReleaseRecord;
  if (record.state !== 'done') {
    throw new RefusedError(`the release in ${journal.path} is not finished; nothing was changed`, [{ subject: journal.path, reason: 'release not finished' }], {
      hint: `Finish it first: ${resumeCommand(journal.path)}`,
    });
  }
  if (record.undoneBy) ctx.ui.warn(`this release was already undone (${record.undoneBy}); undoing it again`);
  const open = (c: CommandContext) => openJournalSession(c, record, journal.path);
  const session = await open(ctx);
  const problems: string[] = [];
  let restore: Awaited<ReturnType<typeof restoredOutcomes>> = { outcomes: [] };
  let undoJournal: string | null = null;
  try {
    const rollback = rollbackOf(record);
    const replaced = record.jobs.filter((j) => j.action === 'overwrite').map((j) => j.name);
    if (rollback) {
      undoJournal = await undoJournalPath(journal.path);
      ctx.ui.info(`Putting back the ${replaced.length} job${replaced.length === 1 ? '' : 's'} the release replaced, from ${rollback}`);
      try {
        await runJobsImport(quietContext(ctx), restoreImportOptions(record, { journal: undoJournal, timeout: opts.timeout }), open);
      } catch (err) {
        if (!(err instanceof PartialFailureError)) throw err;
        problems.push(`restoring from the rollback archive: ${err.message}`);
      }
      restore = await restoredOutcomes(undoJournal, ctx.deps.now);
      await journal.update((r) => void (r.undoneBy = undoJournal!));
    } else if (replaced.length > 0) {
      problems.push(`the release kept no rollback archive (--no-rollback): the ${replaced.length} job${replaced.length === 1 ? '' : 's'} it replaced cannot be put back (${replaced.join(', ')})`);
    }
    const runStatus = await restoreRunStatus(ctx, session, { record, timeoutMs: opts.timeout * 1000 });
    const notRunning = runStatus.filter((r) => r.result === 'failed');
    if (notRunning.length > 0) problems.push(`not running again as before the release: ${notRunning.map((r) => `${r.name} (${r.message})`).join('; ')}`);
    const created = await handleCreated(ctx, session, { record, deleteCreated: opts.deleteCreated });
    const failedDeletes = created.filter((c) => c.state === 'failed');
    if (failedDeletes.length > 0) problems.push(`could not delete: ${failedDeletes.map((c) => `${c.name} (${c.message})`).join('; ')}`);
    const doc = { journal: journal.path, workspace: record.workspace, rollback: record.rollback, undoJournal, restored: restore.outcomes, runStatus, created };
    if (ctx.globals.json) await printJson(ctx.deps.io.stdout, { ...doc, ok: problems.length === 0 });
    else await printLines(ctx.deps.io.stdout, undoLines(doc));
  } finally {
    await session.close();
  }
  if (problems.length > 0) throw new PartialFailureError(`the undo is incomplete: ${problems.join('. ')}`, { journal: journal.path });
  ctx.ui.info(`Undone: ${record.workspace ? `workspace ${record.workspace}` : 'the default workspace'} is back as before the release in ${journal.path}`);
  return ExitCode.OK;
}

function undoLines(doc: { restored: { name: string; result: string; message: string }[]; runStatus: { name: string; result: string; status: string | null }[]; created: { name: string; state: string }[] }): string[] {
  const rows: [string, string, string][] = [
    ...doc.restored.map((o): [string, string, string] => [o.name, o.result === 'overwritten' ? 'restored' : o.result, o.result === 'overwritten' ? 'the version from before the release' : o.message]),
    ...doc.runStatus.map((r): [string, string, string] => [r.name, r.result === 'already running' ? 'running' : r.result, r.status ?? '']),
    ...doc.created.map((c): [string, string, string] => [c.name, c.state === 'left in place' ? 'created' : c.state, c.state === 'left in place' ? 'created by the release, left in place (--delete-created)' : '']),
  ];
  const width = Math.max(0, ...rows.map((r) => r[0].length));
  return rows.map(([name, what, detail]) => `${name.padEnd(width)}  ${what.padEnd(13)}  ${detail}`.trimEnd());
}
