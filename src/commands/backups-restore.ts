/**
 * `dataarts backups restore --state-file PATH [--at TIME] [NAME...] [--match GLOB] -o OUT`:
 * offline, one import-ready archive of the workspace's jobs as they were at the newest restore
 * point at or before TIME (default: the newest). Restoring is then
 * `dataarts jobs import OUT --duplicate-policy overwrite`.
 */
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { openBackupAccess, openBackupState, type BackupAccess } from '../backups/open-state.js';
import { pickPoint } from '../backups/pick-point.js';
import { composeRestore, jobsAtPoint } from '../backups/compose.js';
import { writeRestore } from '../backups/write-restore.js';
import { resolveOutputTarget } from '../export/output-target.js';
import { parseSince } from '../export/since.js';
import { globToRegExp } from '../util/glob.js';
import { printJson, printLines } from '../output/render.js';
import { loadSecretsPolicy } from '../secrets/baseline.js';
import type { SecretsPolicy } from '../secrets/policy.js';

export interface BackupsRestoreOptions {
  stateFile: string;
  at?: string;
  names: string[];
  match: string[];
  output?: string;
  layout: 'zip' | 'dir';
  force: boolean;
  failOnSecrets?: boolean;
  secretsBaseline?: string;
}

export async function runBackupsRestore(ctx: CommandContext, opts: BackupsRestoreOptions): Promise<number> {
  if (opts.output === undefined) throw new UsageError('say where the restore goes', { hint: 'Give -o OUT (a .zip, a directory with --layout dir, or DIR/ for a default name inside it).' });
  // An unreadable --at is a usage error before anything is read.
  if (opts.at !== undefined) parseSince(opts.at, ctx.deps.now(), '--at');
  const secrets = await loadSecretsPolicy(ctx.deps.cwd, opts);
  const access = openBackupAccess(ctx);
  try {
    return await restore(ctx, opts, { access, secrets });
  } finally {
    await access.close();
  }
}

async function restore(ctx: CommandContext, opts: BackupsRestoreOptions, run0: { access: BackupAccess; secrets: SecretsPolicy }): Promise<number> {
  const { access, secrets } = run0;
  const { file, state } = await openBackupState(ctx, access, opts.stateFile);
  const point = pickPoint(state, file, { value: opts.at, flag: '--at', now: ctx.deps.now() });
  const run = state.runs[point]!;
  const existing = jobsAtPoint(state, point);
  const wanted = selectNames(existing, opts.names ?? [], opts.match ?? [], run.startedAt);
  if (wanted.length === 0) {
    ctx.ui.warn(`no job of the restore point ${run.startedAt} matched; nothing was written`);
    if (ctx.globals.json) await printJson(ctx.deps.io.stdout, { path: null, restorePoint: run.startedAt, jobs: 0, jobList: [] });
    return 0;
  }
  const target = await resolveOutputTarget(ctx, {
    typed: opts.output, layout: opts.layout, force: opts.force, prefix: 'dataarts-restore', workspace: state.workspace, stamp: new Date(run.startedAt),
  });
  // The whole point also holds the scripts no job uses; a selection of jobs, their own scripts.
  const whole = (opts.names ?? []).length === 0 && (opts.match ?? []).length === 0;
  const composed = await composeRestore({ repo: access.repo, stateFile: file, scratch: access.scratch }, state, point, { jobs: wanted, allScripts: whole });
  const written = await writeRestore(ctx, composed, {
    path: target.path,
    layout: opts.layout,
    replace: target.replace,
    workspace: state.workspace,
    secrets,
    selection: { restorePoint: run.startedAt, at: opts.at ?? null, names: opts.names ?? [], match: opts.match ?? [], archives: composed.archives },
  });
  target.keep();
  if (composed.layout === 'single') {
    ctx.ui.info(`${composed.scriptsNoJobUses.length} script(s) no job uses are in the restore: it has the single-export layout (jobs/{job}.job, scripts/, resources/)`);
  }
  ctx.ui.info(`restore point ${run.startedAt}: ${written.jobs} jobs from ${composed.archives.length} archive(s); to restore: dataarts jobs import ${written.path} --duplicate-policy overwrite`);
  if (ctx.globals.json) {
    const layout = { archiveLayout: composed.layout, scriptsNoJobUses: composed.scriptsNoJobUses };
    await printJson(ctx.deps.io.stdout, { ...written, ...layout, workspace: state.workspace, restorePoint: run.startedAt, archives: composed.archives });
  } else {
    await printLines(ctx.deps.io.stdout, [`${written.path}  ${written.jobs} jobs  ${written.scripts} scripts  ${written.resources} resources  ${written.bytes} bytes  sha256 ${written.sha256}`]);
  }
  return 0;
}

/** NAME... and --match as a union; a name the restore point does not hold is a usage error naming it. */
function selectNames(existing: string[], names: string[], match: string[], at: string): string[] {
  if (names.length === 0 && match.length === 0) return existing;
  const have = new Set(existing);
  const unknown = names.filter((n) => !have.has(n));
  if (unknown.length > 0) {
    throw new UsageError(`not in the restore point ${at}: ${unknown.join(', ')}`, { hint: `See the jobs it holds with \`dataarts backups show --at ${at}\`, or pick another point with --at (\`dataarts backups list\`).` });
  }
  const patterns = match.map(globToRegExp);
  return existing.filter((n) => names.includes(n) || patterns.some((p) => p.test(n)));
}
