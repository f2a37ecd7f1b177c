/**
 * The archive of a `jobs import`, read (in memory, hostile-safe) and checked against the flags
 * before anything is created on disk or asked of the service.
 */
import type { CommandContext } from '../context.js';
import { readArchive } from '../archive/model.js';
import { count } from '../output/plural.js';
import { checkJobParamsAgainstArchive } from './params.js';
import { IMPORT_READ_LIMITS } from './limits.js';
import { checkRollbackPath } from './rollback.js';
import { checkJournalPath } from './journal.js';
import { checkPlanFiles } from './saved-plan.js';
import type { ArchiveHolder, ImportSettings } from './run.js';

/**
 * The archive read and checked (in memory, hostile-safe) before anything is created on disk or
 * asked of the service, in a holder the run empties once planned: a suspended async function keeps
 * its temporaries, so the model itself is never held in the runner's own frame.
 */
export async function readCheckedArchive(ctx: CommandContext, settings: ImportSettings): Promise<ArchiveHolder> {
  const model = await readArchive(settings.archive, IMPORT_READ_LIMITS);
  checkJobParamsAgainstArchive(settings.jobParams, model.jobs.map((j) => j.name));
  await checkPlanFiles(settings, model);
  if (!settings.dryRun) await checkRollbackPath(ctx.deps.cwd, settings.rollback);
  if (!settings.dryRun && settings.journal) await checkJournalPath(settings.journal);
  ctx.ui.debug(`archive ${settings.archive}: ${model.layout} layout, ${count(model.jobs.length, 'job')}, ${count(model.scripts.length, 'script')}, ${count(model.resources.length, 'resource')}, ${model.unpackedBytes} bytes unpacked`);
  return { model };
}

