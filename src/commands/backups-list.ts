/**
 * `dataarts backups list --state-file PATH`: the restore points the state file records, oldest
 * first: run time, full or incremental, the archives restoring it needs, its job count, and
 * whether every one of those archives is there and intact (size and sha256 as recorded; in OBS
 * size, ETag and recorded sha256, without a download; `backups verify` downloads and hashes).
 */
import type { CommandContext } from '../context.js';
import { openBackupAccess, openBackupState } from '../backups/open-state.js';
import { filesNeededBy, restorePoints, type ChainFile } from '../backups/chain.js';
import { storedArchiveProblem } from '../backups/archive-check.js';
import { locationFromRecord } from '../backups/location.js';
import { walkJobLists } from '../backups/state-file.js';
import { formatTable, printJson, printLines } from '../output/render.js';

export interface BackupsListOptions {
  stateFile: string;
}

interface RestorePointRow {
  at: string;
  kind: 'full' | 'incremental';
  archive: string | null;
  jobs: number;
  archives: { path: string; present: boolean; intact: boolean; problem?: string }[];
  complete: boolean;
}

export async function runBackupsList(ctx: CommandContext, opts: BackupsListOptions): Promise<number> {
  const access = openBackupAccess(ctx);
  try {
    const { file, state } = await openBackupState(ctx, access, opts.stateFile);
    const counts = new Map<number, number>();
    walkJobLists(state.runs, (i, jobs) => counts.set(i, jobs.size));
    // Each archive is checked once, however many restore points need it.
    // (job archives and the nights' script captures: a restore reads both)
    const problems = new Map<string, string | undefined>();
    const problemOf = async (f: ChainFile) => {
      const loc = locationFromRecord(file, f.path);
      if (!problems.has(loc)) problems.set(loc, await storedArchiveProblem(access.repo, loc, f));
      return problems.get(loc);
    };
    const points: RestorePointRow[] = [];
    for (const i of restorePoints(state.runs)) {
      const run = state.runs[i]!;
      const archives = [];
      for (const f of filesNeededBy(state.runs, i)) {
        const problem = await problemOf(f);
        archives.push({ path: locationFromRecord(file, f.path), present: problem !== 'missing', intact: problem === undefined, ...(problem ? { problem } : {}) });
      }
      points.push({
        at: run.startedAt,
        kind: run.cutoff === 'full' ? 'full' : 'incremental',
        archive: run.archive ? locationFromRecord(file, run.archive.path) : null,
        jobs: counts.get(i) ?? 0,
        archives,
        complete: archives.every((a) => a.intact),
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
    const status = (p: RestorePointRow) => (p.complete ? 'yes' : p.archives.some((a) => !a.present) ? 'MISSING' : 'DAMAGED');
    const rows = points.map((p) => [p.at, p.kind, String(p.jobs), String(p.archives.length), status(p), p.archive ?? '-']);
    await printLines(ctx.deps.io.stdout, formatTable(['RESTORE POINT', 'KIND', 'JOBS', 'ARCHIVES', 'INTACT', 'ARCHIVE'], rows));
    for (const [loc, problem] of problems) if (problem) ctx.ui.warn(`${loc} is ${problem}`);
    return 0;
  } finally {
    await access.close();
  }
}
