/**
 * `dataarts backups verify --state-file PATH`: every archive the state file keeps, checked against
 * the sha256 recorded when it was written (the same digest its manifest holds). Exit 4 naming each
 * missing or damaged archive.
 */
import type { CommandContext } from '../context.js';
import { RefusedError } from '../errors.js';
import { openBackupState } from '../backups/open-state.js';
import { archiveProblem } from '../backups/archive-check.js';
import { archivePathFromState } from '../export/state-file.js';
import { printJson, printLines } from '../output/render.js';

export interface BackupsVerifyOptions {
  stateFile: string;
}

export async function runBackupsVerify(ctx: CommandContext, opts: BackupsVerifyOptions): Promise<number> {
  const { file, state } = await openBackupState(ctx.deps.cwd, opts.stateFile);
  const results: { path: string; status: string }[] = [];
  const progress = await ctx.ui.progress('Verifying archives');
  const withArchive = state.runs.filter((r) => r.archive);
  for (const run of withArchive) {
    const p = archivePathFromState(file, run.archive!.path);
    results.push({ path: p, status: (await archiveProblem(p, run.archive!)) ?? 'ok' });
    progress.update(results.length, withArchive.length);
  }
  progress.stop();
  const bad = results.filter((r) => r.status !== 'ok');
  if (bad.length > 0) {
    throw new RefusedError(`${bad.length} of ${results.length} archive(s) cannot be trusted: ${bad.map((b) => `${b.path} is ${b.status}`).join('; ')}`, bad.map((b) => ({ subject: b.path, reason: b.status })), {
      hint: 'Restore points that need them cannot be restored; the next full run (--full, or after --full-every) starts a sound chain.',
    });
  }
  if (ctx.globals.json) await printJson(ctx.deps.io.stdout, { stateFile: file, archives: results, ok: true });
  else await printLines(ctx.deps.io.stdout, results.map((r) => `ok  ${r.path}`));
  return 0;
}
