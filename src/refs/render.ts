/** How `jobs refs` shows an inventory: a table JOB, NODE/SCRIPT, KIND, NAME, or one JSON document. */
import { formatTable } from '../output/render.js';
import type { Reference } from './types.js';

/**
 * One row per reference, in inventory order. Job-level fields (basicConfig, schedule.event) show
 * "-" as the node; a reference inside a script file shows "-" as the job and `NAME.script` as the
 * holder, so a node and a script of the same name cannot be confused.
 */
export function referenceTable(references: readonly Reference[]): string[] {
  const rows = references.map((r) => [
    r.job ?? '-',
    r.script !== undefined ? `${r.script}.script` : (r.node ?? '-'),
    r.kind,
    r.name,
  ]);
  return formatTable(['JOB', 'NODE/SCRIPT', 'KIND', 'NAME'], rows);
}
