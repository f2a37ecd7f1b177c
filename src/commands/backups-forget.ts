/**
 * `dataarts backups forget --state-file PATH [RULES] [--dry-run]`: apply a retention policy without
 * a run, as restic's `forget` does: each restore point kept (and why) or forgotten, then the
 * archives no kept point needs are removed (the state first, so a crash in between leaves only
 * unrecorded archives, never a state naming a deleted one). Under the state file's lock.
 */
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { openBackupAccess, openBackupState, type BackupAccess } from '../backups/open-state.js';
import { acquireLock } from '../backups/lock.js';
import { pruneRuns } from '../backups/chain.js';
import { locationFromRecord } from '../backups/location.js';
import { removeUnneededArchives } from '../backups/record-run.js';
import { describePolicy, retentionFromFlags, type RetentionFlags, type RetentionPolicy } from '../backups/retention.js';
import { writeState } from '../backups/state-file.js';
import { formatTable, printJson, printLines } from '../output/render.js';

export interface BackupsForgetOptions extends RetentionFlags {
  stateFile: string;
  dryRun: boolean;
}

export async function runBackupsForget(ctx: CommandContext, opts: BackupsForgetOptions): Promise<number> {
  const policy = retentionFromFlags(opts);
  if (policy === undefined) {
    throw new UsageError('say which restore points to keep', { hint: 'Give at least one of --keep-last N, --keep-daily N, --keep-weekly N, --keep-monthly N, --keep-within DURATION.' });
  }
  const access = openBackupAccess(ctx);
  try {
    return await forget(ctx, opts, { access, policy });
  } finally {
    await access.close();
  }
}

async function forget(ctx: CommandContext, opts: BackupsForgetOptions, with_: { access: BackupAccess; policy: RetentionPolicy }): Promise<number> {
  const { access, policy } = with_;
  const { file } = await openBackupState(ctx, access, opts.stateFile);
  const lock = opts.dryRun ? undefined : await acquireLock(access.repo, file, { cleanup: ctx.deps.cleanup, now: ctx.deps.now, warn: (m) => ctx.ui.warn(m) });
  try {
    // Read (again) under the lock: the state a run that just finished wrote.
    const { state } = await openBackupState(ctx, access, opts.stateFile);
    const pruned = pruneRuns(state.runs, policy);
    const doomed = pruned.dropped.flatMap((r) => [r.archive?.path, r.scriptArchive?.path].flatMap((p) => (p ? [locationFromRecord(file, p)] : [])));
    let removed: string[] = [];
    if (lock) {
      await lock.check();
      await writeState(access.repo, file, { ...state, runs: pruned.kept });
      removed = await removeUnneededArchives(access.repo, { stateFile: file, dropped: pruned.dropped, kept: pruned.kept });
    }
    const points = pruned.decisions.map((d) => ({ at: d.run.startedAt, keep: d.keep, reasons: d.reasons }));
    const rules = describePolicy(policy, opts.keepWithin);
    if (ctx.globals.json) {
      await printJson(ctx.deps.io.stdout, { stateFile: file, policy: rules, dryRun: opts.dryRun, points, ...(opts.dryRun ? { wouldRemove: doomed } : { removed }) });
      return 0;
    }
    const kept = points.filter((p) => p.keep).length;
    const rows = points.map((p) => [p.at, p.keep ? 'keep' : 'forget', p.reasons.join(', ') || '-']);
    await printLines(ctx.deps.io.stdout, formatTable(['RESTORE POINT', 'DECISION', 'REASONS'], rows));
    for (const f of opts.dryRun ? doomed : removed) ctx.ui.info(`${opts.dryRun ? 'would remove' : 'removed'} ${f}`);
    ctx.ui.info(`${rules}: ${kept} of ${points.length} restore points kept${opts.dryRun ? ' (dry run: nothing changed)' : ''}; archives a kept point needs stay`);
    return 0;
  } finally {
    await lock?.release();
  }
}
