/**
 * `dataarts backups show --state-file PATH [--at TIME]`: the jobs (with the lastUpdateTime the run
 * listed) and the scripts of one restore point (default: the newest), from the state alone.
 */
import type { CommandContext } from '../context.js';
import { openBackupAccess, openBackupState } from '../backups/open-state.js';
import { pickPoint } from '../backups/pick-point.js';
import { scriptListAt } from '../backups/script-list.js';
import { jobListAt } from '../backups/state-file.js';
import { formatTable, printJson, printLines } from '../output/render.js';

export interface BackupsShowOptions {
  stateFile: string;
  at?: string;
}

const timeText = (ms: number) => (ms > 0 ? new Date(ms).toISOString() : '-');

export async function runBackupsShow(ctx: CommandContext, opts: BackupsShowOptions): Promise<number> {
  const access = openBackupAccess(ctx);
  const { file, state } = await openBackupState(ctx, access, opts.stateFile).finally(() => access.close());
  const point = pickPoint(state, file, { value: opts.at, flag: '--at', now: ctx.deps.now() });
  const run = state.runs[point]!;
  const jobs = [...jobListAt(state.runs, point)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const scripts = [...scriptListAt(state.runs, point)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (ctx.globals.json) {
    await printJson(ctx.deps.io.stdout, {
      stateFile: file,
      workspace: state.workspace,
      restorePoint: run.startedAt,
      kind: run.cutoff === 'full' ? 'full' : 'incremental',
      jobs: jobs.map(([name, t]) => ({ name, lastUpdateTime: t > 0 ? new Date(t).toISOString() : null })),
      scripts: scripts.map(([name, hash]) => ({ name, contentHash: hash })),
    });
    return 0;
  }
  ctx.ui.info(`restore point ${run.startedAt} of ${state.workspace}: ${jobs.length} jobs, ${scripts.length} scripts`);
  const rows = [...jobs.map(([name, t]) => ['job', name, timeText(t)]), ...scripts.map(([name]) => ['script', name, '-'])];
  await printLines(ctx.deps.io.stdout, formatTable(['KIND', 'NAME', 'LAST UPDATE'], rows));
  return 0;
}
