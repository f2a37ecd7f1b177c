/**
 * A refusal a person can read, whatever the archive's size: reasons grouped (missing references
 * by kind and name, every other reason by its text), each with a count and the first few jobs,
 * then what to do. At most REFUSAL_LINES lines; the complete list stays in the error's details
 * (`--json`) and is printed with `--verbose`.
 */
import { RefusedError, type Refusal } from '../errors.js';
import type { ImportRun } from './run.js';

/** Lines of the grouped message (the error path adds "Error: " and the hint). */
const REFUSAL_LINES = 30;
const FIRST_FEW = 3;
/** Up to this many refusals are also listed one per line. */
const FEW_REFUSALS = 8;

/** What the environment map found missing in the target (src/refs ReferencePlan.missing). */
export interface MissingReference {
  kind: string;
  name: string;
  mappedFrom: string[];
  subjects: string[];
}

/** A reason about a missing reference: told by the missing list instead. */
const ABOUT_MISSING = /not in the target workspace$/;

function count(n: number, word: string, plural = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : plural}`;
}
const JOBS: [string, string] = ['job or script', 'jobs or scripts'];

function firstFew(subjects: string[]): string {
  const shown = subjects.slice(0, FIRST_FEW).join(', ');
  return subjects.length > FIRST_FEW ? `${shown}, …` : shown;
}

/** Other reasons, grouped by their text (one job may be blocked for several: plan.ts joins them with '; '). */
function groupReasons(refusals: Refusal[]): { reason: string; subjects: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const r of refusals) {
    for (const reason of r.reason.split(/; (?=node |script |not stopped|locked|carries|runs script|the job|this entry)/)) {
      if (ABOUT_MISSING.test(reason)) continue;
      const list = groups.get(reason) ?? [];
      if (!list.includes(r.subject)) list.push(r.subject);
      groups.set(reason, list);
    }
  }
  return [...groups].map(([reason, subjects]) => ({ reason, subjects })).sort((a, b) => b.subjects.length - a.subjects.length || (a.reason < b.reason ? -1 : 1));
}

/** The refusal error: a short grouped message and the fix; every refusal in its details. */
export function importRefusal(refusals: Refusal[], options: { workspace: string; dryRun: boolean; missing: MissingReference[] }): RefusedError {
  const lines: string[] = [];
  const kinds = [...new Set(options.missing.map((m) => m.kind))];
  for (const kind of kinds) {
    const of = options.missing.filter((m) => m.kind === kind).sort((a, b) => b.subjects.length - a.subjects.length || (a.name < b.name ? -1 : 1));
    lines.push(`${count(of.length, kind)} missing in ${options.workspace}:`);
    for (const m of of) {
      const via = m.mappedFrom.length > 0 ? `mapped from ${m.mappedFrom.join(', ')}; ` : '';
      lines.push(`  ${m.kind} "${m.name}" (${via}${count(m.subjects.length, ...JOBS)}: ${firstFew(m.subjects)})`);
    }
  }
  for (const g of groupReasons(refusals)) lines.push(`${g.reason} (${count(g.subjects.length, ...JOBS)}: ${firstFew(g.subjects)})`);
  // A handful of refusals are also listed one by one, with the whole reason.
  if (refusals.length <= FEW_REFUSALS) lines.push(...refusals.map((r) => `  ${r.subject} (${r.reason})`));
  const cut = lines.length > REFUSAL_LINES;
  const shown = cut ? [...lines.slice(0, REFUSAL_LINES - 1), `… and ${lines.length - REFUSAL_LINES + 1} more lines`] : lines;
  const subjects = new Set(refusals.map((r) => r.subject));
  const head = `import ${options.dryRun ? 'would be refused' : 'refused before upload'}: ${count(subjects.size, ...JOBS)} cannot be imported into ${options.workspace}`;
  const fixes: string[] = [];
  const first = [...options.missing].sort((a, b) => b.subjects.length - a.subjects.length)[0];
  if (first) fixes.push(`Map each missing name to one the target has: --map ${first.kind}:${first.mappedFrom[0] ?? first.name}=NEW (repeatable), or --env NAME with an environments map in the config file.`);
  if (refusals.some((r) => r.reason.includes('not stopped'))) fixes.push('Stop the running jobs, or pass --stop-running (they are started again after the import).');
  fixes.push(`${options.dryRun ? 'Dry run: nothing' : 'Nothing'} was uploaded or changed. The complete list: --json, or --verbose.`);
  return new RefusedError(`${head}\n${shown.join('\n')}`, refusals, { hint: fixes.join('\n') });
}

/** Every refusal, one line each (for --verbose). */
function refusalLines(refusals: Refusal[]): string[] {
  return refusals.map((r) => `refused: ${r.subject}: ${r.reason}`);
}

/** The run's refusal (grouped); with --verbose every refusal on its own line too. */
export function refusalOf(run: ImportRun): RefusedError {
  const { refusals, refs } = run.planned;
  for (const line of refusalLines(refusals)) run.ctx.ui.debug(line);
  return importRefusal(refusals, { workspace: run.workspaceLabel, dryRun: run.settings.dryRun, missing: refs.missing });
}
