/**
 * `dataarts backups list --state-file PATH`: the restore points the state file records, oldest
 * first: run time, full or incremental, the archives restoring it needs, its job count, and
 * whether every one of those archives is present (presence only; `backups verify` checks bytes).
 */
import { promises as fs } from 'node:fs';
import type { CommandContext } from '../context.js';
import { openBackupState } from '../backups/open-state.js';
import { filesNeededBy, restorePoints } from '../backups/chain.js';
import { archivePathFromState, walkJobLists } from '../export/state-file.js';
import { formatTable, printJson, printLines } from '../output/render.js';

export interface BackupsListOptions {
  stateFile: string;
}

export async function runBackupsList(ctx: CommandContext, opts: BackupsListOptions): Promise<number> {
  const { file, state } = await openBackupState(ctx.deps.cwd, opts.stateFile);
  const counts = new Map<number, number>();
  walkJobLists(state.runs, (i, jobs) => counts.set(i, jobs.size));
  const points = [];
  for (const i of restorePoints(state.runs)) {
    const run = state.runs[i]!;
    const archives = [];
    for (const f of filesNeededBy(state.runs, i)) {
      const p = archivePathFromState(file, f.path);
      archives.push({ path: p, present: await fs.stat(p).then(() => true, () => false) });
    }
    points.push({
      at: run.startedAt,
      kind: run.cutoff === 'full' ? 'full' : 'incremental',
      archive: run.archive ? archivePathFromState(file, run.archive.path) : null,
      jobs: counts.get(i) ?? 0,
      archives,
      complete: archives.every((a) => a.present),
    });
  }
  if (ctx.globals.json) {
    await printJson(ctx.deps.io.stdout, { stateFile: file, workspace: state.workspace, points });
    return 0;
  }
  if (state.legacy) ctx.ui.info(`${file} is a version-1 state file: it records no restore point; the next run starts a chain`);
  if (points.length === 0) {
    ctx.ui.info('no restore point yet');
    return 0;
  }
  const rows = points.map((p) => [p.at, p.kind, String(p.jobs), String(p.archives.length), p.complete ? 'yes' : 'NO', p.archive ?? '-']);
  await printLines(ctx.deps.io.stdout, formatTable(['RESTORE POINT', 'KIND', 'JOBS', 'ARCHIVES', 'PRESENT', 'ARCHIVE'], rows));
  return 0;
}
