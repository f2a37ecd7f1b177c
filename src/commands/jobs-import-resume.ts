/**
 * `dataarts jobs import --resume JOURNAL`: finish a release that was interrupted (Ctrl-C, SIGTERM,
 * SIGKILL, a crash, --timeout, --no-wait) from its journal: follow its task, read back, start again
 * what it stopped, remove its staged objects, and report like the release would have. Running it
 * again once all is done says so and exits 0. The steps are src/import/resume.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CommandContext } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';
import { printJson, printLines } from '../output/render.js';
import { ReleaseJournal, resumeCommand } from '../import/journal.js';
import { openJournalSession } from '../import/journal-session.js';
import { withLockedJournal } from '../import/journal-lock.js';
import { resumeRelease } from '../import/resume.js';
import { printResult, resultLines } from '../import/render.js';

export interface JobsImportResumeOptions {
  journal: string;
  /** Must be absent: the journal names the archive. */
  archive?: string;
  timeout: number;
}

export async function runJobsImportResume(ctx: CommandContext, opts: JobsImportResumeOptions): Promise<number> {
  if (opts.archive !== undefined) {
    throw new UsageError('--resume takes no ARCHIVE: the journal names what the release imported', { hint: 'Run `dataarts jobs import --resume JOURNAL` alone.' });
  }
  const lock = { now: ctx.deps.now, warn: (m: string) => ctx.ui.warn(m) };
  return withLockedJournal(resolve(ctx.deps.cwd, opts.journal), lock, (journal) => resumeLocked(ctx, journal, opts));
}

async function resumeLocked(ctx: CommandContext, journal: ReleaseJournal, opts: JobsImportResumeOptions): Promise<number> {
  if (journal.record.state === 'done') return nothingLeft(ctx, journal);
  const workDir = await mkdtemp(join(ctx.deps.env.TMPDIR || tmpdir(), 'dataarts-resume-work-'));
  const releaseWorkDir = ctx.deps.cleanup.add(() => rm(workDir, { recursive: true, force: true }));
  try {
    const session = await openJournalSession(ctx, journal.record, journal.path);
    try {
      ctx.ui.info(`Resuming the release in ${journal.path} (${journal.record.workspace ? `workspace ${journal.record.workspace}` : 'default workspace'})`);
      await resumeRelease({ ctx, session, workDir, timeoutMs: opts.timeout * 1000 }, journal);
    } catch (err) {
      if (!ctx.deps.signal.aborted) ctx.ui.warn(`the release is not finished yet; run again:\n  ${resumeCommand(journal.path)}`);
      throw err;
    } finally {
      await session.close();
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
    releaseWorkDir();
  }
  if ((journal.record.state as string) !== 'done') ctx.ui.warn(`some of the release is still not finished; run again:\n  ${resumeCommand(journal.path)}`);
  return printResult(ctx, journal.record, journal.path);
}

/** The journal says done: say so (with the release's result on stdout), exit 0. */
async function nothingLeft(ctx: CommandContext, journal: ReleaseJournal): Promise<number> {
  const { record } = journal;
  if (ctx.globals.json) await printJson(ctx.deps.io.stdout, { journal: journal.path, state: record.state, workspace: record.workspace, jobs: record.outcomes, restarts: record.restarts, nothingLeftToDo: true });
  else await printLines(ctx.deps.io.stdout, resultLines(record.outcomes, new Set(record.verification.filter((v) => v.state === 'differs').map((v) => v.name))));
  ctx.ui.info(`nothing left to do: the release in ${journal.path} is finished${record.interruption ? ` (it stopped early: ${record.interruption})` : ''}`);
  return ExitCode.OK;
}
