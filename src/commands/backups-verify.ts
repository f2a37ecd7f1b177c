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
  // Job archives and the nights' script captures alike: a restore reads both.
  const recorded = state.runs.flatMap((r) => [
    ...(r.archive ? [r.archive] : []),
    ...(r.scriptArchive ? [{ path: r.scriptArchive.path, sha256: r.scriptArchive.sha256, layout: 'zip' as const }] : []),
  ]);
  for (const rec of recorded) {
    const p = archivePathFromState(file, rec.path);
    results.push({ path: p, status: (await archiveProblem(p, rec)) ?? 'ok' });
    progress.update(results.length, recorded.length);
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
