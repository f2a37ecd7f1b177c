/**
 * The archive of a `jobs import`, read (in memory, hostile-safe) and checked against the flags
 * before anything is created on disk or asked of the service.
 */
import type { CommandContext } from '../context.js';
import { jobNamesOfEntries, readArchive } from '../archive/model.js';
import { zipEntryNamesIfPlausible } from '../archive/zip-read.js';
import { count } from '../output/plural.js';
import { checkJobParamsAgainstArchive } from './params.js';
import { IMPORT_READ_LIMITS } from './limits.js';
import { IMPORT_LIMITS } from '../archive/limits.js';
import { checkRollbackPath } from './rollback.js';
import { checkJournalPath } from './journal.js';
import { checkPlanOutPath, checkPlannedArchive } from './saved-plan.js';
import type { ArchiveHolder, ImportSettings } from './run.js';

/**
 * What can be known before the archive is read and before any request, checked first: the
 * outputs' paths are free (--plan-out, --rollback, --journal).
 */
export async function checkOutputsFirst(ctx: CommandContext, settings: ImportSettings): Promise<void> {
  if (settings.planOut !== undefined) await checkPlanOutPath(settings.planOut);
  if (!settings.dryRun) await checkRollbackPath(ctx.deps.cwd, settings.rollback);
  if (!settings.dryRun && settings.journal) await checkJournalPath(settings.journal);
}

/**
 * The archive read and checked (in memory, hostile-safe) before anything is created on disk or
 * changed on the service, in a holder the run empties once planned: a suspended async function
 * keeps its temporaries, so the model itself is never held in the runner's own frame.
 */
export async function readCheckedArchive(ctx: CommandContext, settings: ImportSettings): Promise<ArchiveHolder> {
  const model = await readArchive(settings.archive, IMPORT_READ_LIMITS);
  checkJobParamsAgainstArchive(settings.jobParams, model.jobs.map((j) => j.name));
  if (settings.savedPlan !== undefined) await checkPlannedArchive(settings.savedPlan, model);
  ctx.ui.debug(`archive ${settings.archive}: ${model.layout} layout, ${count(model.jobs.length, 'job')}, ${count(model.scripts.length, 'script')}, ${count(model.resources.length, 'resource')}, ${model.unpackedBytes} bytes unpacked`);
  return { model };
}

/**
 * The names of the jobs a zip archive holds, from its central directory alone, when nothing there
 * is wrong (names, kinds, duplicates, declared sizes): the workspace can then be read while the
 * entries are inflated and checked. Undefined for a directory, an archive a saved plan fixes, or
 * anything the full read may refuse: that read comes first then, and a refused archive causes no
 * request at all.
 */
export async function jobNamesAhead(settings: ImportSettings): Promise<Set<string> | undefined> {
  if (settings.savedPlan !== undefined) return undefined;
  // Only an archive the service takes in one import: the scan holds a copy of the file until the
  // next collection, and at a 10,000-job restore (several parts) that copy lifted the peak RSS
  // from 240 to 276 MB once, for a listing that is quick there anyway.
  const entries = await zipEntryNamesIfPlausible(settings.archive, { ...IMPORT_READ_LIMITS, maxZipBytes: IMPORT_LIMITS.maxZipBytes });
  return entries ? jobNamesOfEntries(entries) : undefined;
}
