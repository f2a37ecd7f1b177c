/**
 * What a release does when it stops early (an error, SIGINT/SIGTERM, --timeout), by where it was:
 *
 * - **before any import call** nothing of the archive reached the service: the jobs it stopped are
 *   started again at once (through the client an interrupt does not cancel) and its staged objects
 *   were already removed (parts.ts); the journal is then done.
 * - **after an import call** the service may still be reading the staged objects and changing jobs:
 *   when every task is known to have ended the restart rule runs now; otherwise everything stays
 *   as it is and the message gives the `--resume` command.
 *
 * Never throws: the run's own error is what the user must see.
 */
import { importMayHaveRun, mergeRestarts, restartStopped } from './restart.js';
import { isFinished } from './finished.js';
import { resumeCommand, type ReleaseJournal } from './journal.js';
import type { ImportRun } from './run.js';
import { TaskTimeoutError } from './import-call.js';
import { namedFew } from '../output/bounded.js';

/** Started again within this long after an interrupt (a second Ctrl-C still exits at once). */
const RESTART_AFTER_INTERRUPT_MS = 10_000;

export async function settleAfterFailure(run: ImportRun, journal: ReleaseJournal, err: unknown): Promise<void> {
  const { ctx, session } = run;
  const interrupted = ctx.deps.signal.aborted;
  const why = interrupted ? 'interrupted' : (err as Error)?.message ?? String(err);
  try {
    const record = journal.record;
    const tasksPending = record.parts.some((p) => p.importCall === 'sending' || (p.importCall === 'started' && p.status === undefined));
    if (importMayHaveRun(record) && (interrupted || tasksPending)) {
      await journal.update((r) => void (r.interruption = why));
      const stopped = record.stopped.map((j) => j.name);
      // A timeout's hint and the warning of an interrupted wait already give the command.
      const told = err instanceof TaskTimeoutError || (interrupted && record.parts.some((p) => p.taskId !== undefined && p.status === undefined));
      if (stopped.length > 0 || !told) {
        ctx.ui.warn(`the release is not finished: the import may still be running on the service${stopped.length > 0 ? `\n  stopped by --stop-running and still stopped: ${namedFew(stopped)} (all of them in the journal)` : ''}\n  finish it with: ${resumeCommand(journal.path)}`);
      }
      return;
    }
    if (record.stopped.length > 0) {
      const dataarts = interrupted ? session.cleanupDataarts : session.dataarts;
      const signal = interrupted ? new AbortController().signal : ctx.deps.signal;
      const timeoutMs = interrupted ? Math.min(run.settings.timeoutMs, RESTART_AFTER_INTERRUPT_MS) : run.settings.timeoutMs;
      if (interrupted) ctx.ui.warn('interrupted before the import call: nothing was imported; starting again the jobs --stop-running stopped');
      const results = await restartStopped({ ctx, dataarts, workDir: run.workDir, timeoutMs, signal }, record);
      await journal.update((r) => void (r.restarts = mergeRestarts(r.restarts, results)));
    }
    await journal.update((r) => {
      r.interruption = why;
      if (isFinished(r)) r.state = 'done';
    });
    if (journal.record.state !== 'done') ctx.ui.warn(`the release left work to finish:\n  ${resumeCommand(journal.path)}`);
  } catch (cleanupErr) {
    const stopped = journal.record.stopped.filter((j) => !journal.record.restarts.some((r) => r.name === j.name && r.result === 'restarted')).map((j) => j.name);
    ctx.ui.warn(`could not finish cleaning up (${(cleanupErr as Error).message})${stopped.length > 0 ? `\n  still stopped: ${namedFew(stopped)} (all of them in the journal)` : ''}\n  finish it with: ${resumeCommand(journal.path)}`);
  }
}
