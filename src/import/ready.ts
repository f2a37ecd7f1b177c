/**
 * The last checks between planning and the first change: is there anything to import at all, and
 * may the run go on (no refusal; parts that need waiting are not asked to run with --no-wait).
 */
import { RefusedError } from '../errors.js';
import { count } from '../output/plural.js';
import { refusalOf } from './refusals.js';
import type { ImportRun } from './run.js';

/**
 * Every job would be skipped or is unchanged and the archive carries nothing else (scripts or resources no job
 * takes are imported on their own): nothing is uploaded and no import is started.
 */
export function nothingToImport(run: ImportRun): boolean {
  const { jobs } = run.planned;
  if (!jobs.every((p) => p.action === 'skip' || p.action === 'unchanged')) return false;
  const belongs = new Set(run.outline.jobs.flatMap((j) => [j.entry, ...j.companions]));
  return run.outline.entries.every((e) => belongs.has(e.name));
}

/** Refuse (exit 4, nothing uploaded) when planning found problems or the parts need waiting. */
export function refuseUnlessReady(run: ImportRun): void {
  const { refusals, prepared } = run.planned;
  if (refusals.length > 0) throw refusalOf(run);
  if (!run.settings.wait && prepared.parts.length > 1) {
    // (inferred) Only one import runs per workspace at a time, so the parts must be imported one
    // after another: that needs waiting.
    throw new RefusedError(
      `the archive needs ${prepared.parts.length} imports (over the 10 MB limit of one import), imported one after another; --no-wait cannot do that`,
      [{ subject: run.settings.archive, reason: `needs ${count(prepared.parts.length, 'part')}` }],
      { hint: 'Run without --no-wait, or split the archive yourself (e.g. export fewer jobs per archive).' },
    );
  }
}
