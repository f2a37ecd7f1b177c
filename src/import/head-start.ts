/**
 * The start of `jobs import`: the archive read and checked and the session opened, with a head
 * start on reading the workspace when the archive's central directory already names its jobs.
 */
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import type { Session } from '../api/session.js';
import { readCheckedArchive } from './archive-read.js';
import { startWorkspaceRead, type WorkspaceRead } from './planning.js';
import { stagingOf, type ArchiveHolder, type ImportSettings } from './run.js';

/** A real import needs somewhere to stage: --obs-path, or the profile's obsStagingPath. */
function checkStagingGiven(settings: ImportSettings, session: Session): void {
  if (settings.dryRun || stagingOf(settings, session)) return;
  throw new UsageError('no OBS location to stage the archive in', {
    hint: 'Give --obs-path obs://BUCKET/PREFIX/ or set obsStagingPath in the profile of the config file.',
  });
}

/**
 * The archive read and checked, and the session opened. When the archive's central directory
 * already named its jobs (`ahead`), the workspace is listed and its versions of those jobs
 * exported meanwhile, while the entries are inflated and checked: reads only, which the plan then
 * uses. If the archive is refused all the same, they are abandoned, the session is closed and
 * the archive's refusal is what the user sees, as without the head start.
 */
export async function readArchiveAndOpen(
  env: { ctx: CommandContext; settings: ImportSettings; open: (ctx: CommandContext) => Promise<Session>; workDir: string },
  ahead: Set<string> | undefined,
): Promise<{ archive: ArchiveHolder; session: Session; early?: WorkspaceRead }> {
  const { ctx, settings, open, workDir } = env;
  if (!ahead) {
    const archive = await readCheckedArchive(ctx, settings);
    const session = await open(ctx);
    try {
      checkStagingGiven(settings, session);
    } catch (err) {
      await session.close();
      throw err;
    }
    return { archive, session };
  }
  const reading = readCheckedArchive(ctx, settings);
  const opening = open(ctx);
  let early: WorkspaceRead | undefined;
  let refused = false;
  const started = opening.then((session) => {
    checkStagingGiven(settings, session);
    // The archive may have been refused before the session was open: then nothing is asked.
    if (!refused) early = startWorkspaceRead({ ctx, dataarts: session.dataarts, workDir }, ahead);
  });
  // Each is awaited below; these only keep a rejection that comes second from being unhandled.
  reading.catch(() => undefined);
  started.catch(() => undefined);
  try {
    const archive = await reading;
    await started;
    return { archive, session: await opening, ...(early ? { early } : {}) };
  } catch (err) {
    refused = true;
    await started.catch(() => undefined);
    await early?.abandon();
    await (await opening.catch(() => undefined))?.close();
    // The archive's own problem comes first, as it would have without the head start.
    throw (await reading.then(() => undefined, (e: unknown) => e)) ?? err;
  }
}

