/**
 * `dataarts backups status --state-file PATH --max-age DURATION`: for monitoring. Exit 0 when the
 * newest restore point is younger than DURATION and the last run succeeded; exit 9 otherwise,
 * saying which (stale, last run failed, or no restore point yet). Reads the state only.
 */
import type { CommandContext } from '../context.js';
import { BackupsUnhealthyError } from '../errors.js';
import { openBackupAccess, openBackupState } from '../backups/open-state.js';
import { restorePoints } from '../backups/chain.js';
import { parseDuration } from '../export/since.js';
import { printJson, printLines } from '../output/render.js';

export interface BackupsStatusOptions {
  stateFile: string;
  maxAge: string;
}

function ago(ms: number): string {
  const h = ms / 3_600_000;
  return h >= 48 ? `${(h / 24).toFixed(1)} d` : h >= 1 ? `${h.toFixed(1)} h` : `${Math.max(0, Math.round(ms / 60_000))} min`;
}

export async function runBackupsStatus(ctx: CommandContext, opts: BackupsStatusOptions): Promise<number> {
  const maxAgeMs = parseDuration(opts.maxAge, '--max-age');
  const access = openBackupAccess(ctx);
  const { file, state } = await openBackupState(ctx, access, opts.stateFile).finally(() => access.close());
  const now = ctx.deps.now();
  const points = restorePoints(state.runs);
  const newest = points.length === 0 ? undefined : state.runs[points[points.length - 1]!]!;
  const ageMs = newest === undefined ? undefined : now.getTime() - Date.parse(newest.startedAt);
  // A success clears the failures recorded before it, so any failure left is newer than the last good run.
  const lastFailure = state.failures?.[state.failures.length - 1];
  const problems: string[] = [];
  // The message in full is in --json; a text line stays under 200 characters.
  const short = (m: string) => (m.length > 45 ? `${m.slice(0, 44)}…` : m);
  if (lastFailure) problems.push(`the last run failed at ${lastFailure.at} (exit ${lastFailure.exitCode}: ${short(lastFailure.message)})`);
  if (newest === undefined) problems.push('no restore point yet');
  else if (ageMs! > maxAgeMs) problems.push(`stale: the newest restore point, ${newest.startedAt}, is ${ago(ageMs!)} old (--max-age ${opts.maxAge})`);
  const doc = {
    stateFile: file,
    workspace: state.workspace,
    ok: problems.length === 0,
    newestRestorePoint: newest?.startedAt ?? null,
    ageSeconds: ageMs === undefined ? null : Math.round(ageMs / 1000),
    maxAgeSeconds: maxAgeMs / 1000,
    lastRunFailed: lastFailure !== undefined,
    failures: state.failures ?? [],
    problems,
  };
  if (ctx.globals.json) await printJson(ctx.deps.io.stdout, doc);
  else if (problems.length === 0) await printLines(ctx.deps.io.stdout, [`ok  newest restore point ${newest!.startedAt} (${ago(ageMs!)} old; --max-age ${opts.maxAge}); the last run succeeded`]);
  if (problems.length > 0) {
    throw new BackupsUnhealthyError(`backups need attention: ${problems.join('; ')}`, {
      hint: lastFailure ? 'See the failed run\'s message; run `dataarts jobs export-workspace --state-file` again once it is fixed.' : 'Check that the nightly `dataarts jobs export-workspace --state-file` still runs (cron, credentials).',
      details: doc,
    });
  }
  return 0;
}
