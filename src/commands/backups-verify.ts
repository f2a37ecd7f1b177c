/**
 * `dataarts backups verify --state-file PATH`: every archive the state file keeps, checked against
 * the sha256 recorded when it was written (the same digest its manifest holds); archives in OBS
 * are downloaded to scratch space and hashed. Exit 4 naming each missing or damaged archive.
 */
import type { CommandContext } from '../context.js';
import { RefusedError } from '../errors.js';
import { openBackupAccess, openBackupState } from '../backups/open-state.js';
import { fetchCheckedArchive } from '../backups/archive-check.js';
import { locationFromRecord } from '../backups/location.js';
import { printJson, printLines } from '../output/render.js';
import { promises as fs } from 'node:fs';

export interface BackupsVerifyOptions {
  stateFile: string;
}

export async function runBackupsVerify(ctx: CommandContext, opts: BackupsVerifyOptions): Promise<number> {
  const access = openBackupAccess(ctx);
  try {
    const { file, state } = await openBackupState(ctx, access, opts.stateFile);
    const results: { path: string; status: string }[] = [];
    const progress = await ctx.ui.progress('Verifying archives');
    // Job archives and the nights' script captures alike: a restore reads both.
    const recorded = state.runs.flatMap((r) => [...(r.archive ? [r.archive] : []), ...(r.scriptArchive ? [{ ...r.scriptArchive, layout: 'zip' as const }] : [])]);
    for (const rec of recorded) {
      const p = locationFromRecord(file, rec.path);
      const checked = await fetchCheckedArchive(access.repo, p, { recorded: rec, scratch: access.scratch });
      // A downloaded copy is not kept longer than its check.
      if ('file' in checked && checked.file !== p) await fs.rm(checked.file, { force: true });
      results.push({ path: p, status: 'problem' in checked ? checked.problem : 'ok' });
      progress.update(results.length, recorded.length);
    }
    progress.stop();
    const bad = results.filter((r) => r.status !== 'ok');
    if (bad.length > 0) {
      throw new RefusedError(`${bad.length} of ${results.length} archive(s) cannot be trusted: ${bad.map((b) => `${b.path} is ${b.status}`).join('; ')}`, bad.map((b) => ({ subject: b.path, reason: b.status })), {
        hint: 'Restore points that need them cannot be restored; the next run starts a sound chain (it checks the chain first).',
      });
    }
    if (ctx.globals.json) await printJson(ctx.deps.io.stdout, { stateFile: file, archives: results, ok: true });
    else await printLines(ctx.deps.io.stdout, results.map((r) => `ok  ${r.path}`));
    return 0;
  } finally {
    await access.close();
  }
}
