/** A restore point named by a time (`--at`, `backups diff A B`): the newest at or before it. */
import { UsageError } from '../errors.js';
import { parseSince } from '../export/since.js';
import type { ExportState } from './state-file.js';
import { pointAt, restorePoints } from './chain.js';

/** The index of the point; a usage error saying what the state holds when there is none. */
export function pickPoint(state: ExportState, file: string, typed: { value: string | undefined; flag: string; now: Date }): number {
  const at = typed.value === undefined ? undefined : parseSince(typed.value, typed.now, typed.flag);
  const point = pointAt(state.runs, at);
  if (point !== undefined) return point;
  const oldest = restorePoints(state.runs)[0];
  throw new UsageError(
    oldest === undefined ? `${file} records no restore point yet` : `${typed.flag}: no restore point at or before ${new Date(at!).toISOString()}`,
    { hint: oldest === undefined ? 'Run `dataarts jobs export-workspace --state-file` first.' : `The oldest kept is ${state.runs[oldest]!.startedAt} (\`dataarts backups list\`).` },
  );
}
