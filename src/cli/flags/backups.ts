/**
 * The `backups` noun: restore points of the chains `jobs export-workspace --state-file` writes.
 * Flags as in shared/docs/cli-contract.md; each action imports its runner lazily.
 */
import { Command, Option } from 'commander';
import type { Deps } from '../../context.js';
import type { BackupsListOptions } from '../../commands/backups-list.js';
import type { BackupsVerifyOptions } from '../../commands/backups-verify.js';
import type { BackupsRestoreOptions } from '../../commands/backups-restore.js';
import type { BackupsStatusOptions } from '../../commands/backups-status.js';
import type { BackupsForgetOptions } from '../../commands/backups-forget.js';
import type { BackupsShowOptions } from '../../commands/backups-show.js';
import type { BackupsDiffOptions } from '../../commands/backups-diff.js';
import { collectGlob, contextFor, type RunState } from '../action.js';
import { retentionOptions } from '../retention-flags.js';

export function registerBackupsCommands(backups: Command, deps: Deps, state: RunState): void {

  backups
    .command('list')
    .description('the restore points: run time, archives each needs, job count, whether they are all present')
    .requiredOption('--state-file <path>', 'the state file of the backups (a local path or obs://BUCKET/KEY)')
    .option('--json', 'print one JSON document')
    .action(async (opts: BackupsListOptions, cmd: Command) => {
      const { runBackupsList } = await import('../../commands/backups-list.js');
      state.exitCode = await runBackupsList(contextFor(cmd, deps, state), opts);
    });

  backups
    .command('verify')
    .description('check every kept archive against its recorded sha256 (exit 4 naming what is missing or damaged)')
    .requiredOption('--state-file <path>', 'the state file of the backups (a local path or obs://BUCKET/KEY)')
    .option('--json', 'print one JSON document')
    .action(async (opts: BackupsVerifyOptions, cmd: Command) => {
      const { runBackupsVerify } = await import('../../commands/backups-verify.js');
      state.exitCode = await runBackupsVerify(contextFor(cmd, deps, state), opts);
    });

  backups
    .command('status')
    .description('for monitoring: exit 0 when the newest restore point is younger than --max-age and the last run succeeded, else exit 9 saying which')
    .requiredOption('--state-file <path>', 'the state file of the backups')
    .requiredOption('--max-age <duration>', 'the oldest the newest restore point may be (26h, 2d)')
    .option('--json', 'print one JSON document')
    .addHelpText('after', `
Examples:
  $ dataarts backups status --state-file /backups/state.json --max-age 26h || echo "backups need attention"`)
    .action(async (opts: BackupsStatusOptions, cmd: Command) => {
      const { runBackupsStatus } = await import('../../commands/backups-status.js');
      state.exitCode = await runBackupsStatus(contextFor(cmd, deps, state), opts);
    });

  retentionOptions(
    backups
      .command('forget')
      .description('apply retention rules without a run: which restore points are kept and why, then remove the archives no kept point needs')
      .requiredOption('--state-file <path>', 'the state file of the backups'),
    'keep the N newest restore points (the same as --keep-last N)',
  )
    .option('--dry-run', 'say what would be kept and removed; change nothing', false)
    .option('--json', 'print one JSON document')
    .addHelpText('after', `
Examples:
  $ dataarts backups forget --state-file /backups/state.json --keep-daily 7 --keep-weekly 5 --keep-monthly 12 --dry-run`)
    .action(async (opts: BackupsForgetOptions, cmd: Command) => {
      const { runBackupsForget } = await import('../../commands/backups-forget.js');
      state.exitCode = await runBackupsForget(contextFor(cmd, deps, state), opts);
    });

  backups
    .command('show')
    .description('the jobs and scripts of one restore point (default: the newest)')
    .requiredOption('--state-file <path>', 'the state file of the backups')
    .option('--at <time>', 'the newest restore point at or before this ISO 8601 time or duration ago')
    .option('--json', 'print one JSON document')
    .action(async (opts: BackupsShowOptions, cmd: Command) => {
      const { runBackupsShow } = await import('../../commands/backups-show.js');
      state.exitCode = await runBackupsShow(contextFor(cmd, deps, state), opts);
    });

  backups
    .command('diff')
    .description('jobs and scripts added, removed and changed between restore points A and B (each the newest at or before the time given)')
    .argument('<a>', 'the older restore point: an ISO 8601 time or a duration ago')
    .argument('<b>', 'the newer restore point: an ISO 8601 time or a duration ago')
    .requiredOption('--state-file <path>', 'the state file of the backups')
    .option('--detail', 'the changed paths of each changed job and script, as `jobs diff` shows them (reads the archives)', false)
    .option('--json', 'print one JSON document')
    .addHelpText('after', `
Examples:
  $ dataarts backups diff --state-file /backups/state.json 2d 1d --detail`)
    .action(async (a: string, b: string, opts: Omit<BackupsDiffOptions, 'a' | 'b'>, cmd: Command) => {
      const { runBackupsDiff } = await import('../../commands/backups-diff.js');
      state.exitCode = await runBackupsDiff(contextFor(cmd, deps, state), { ...opts, a, b });
    });

  backups
    .command('restore')
    .description('build one import-ready archive of the jobs (for a whole point also the scripts no job uses) as they were at a restore point, offline')
    .argument('[name...]', 'only these jobs')
    .requiredOption('--state-file <path>', 'the state file of the backups (a local path or obs://BUCKET/KEY)')
    .option('--at <time>', 'the newest restore point at or before this ISO 8601 time or duration ago (default: the newest)')
    .option('--match <glob>', 'only jobs whose name matches (repeatable)', collectGlob, [])
    .option('-o, --output <path>', 'archive path (.zip), a directory with --layout dir, or DIR/ for a default name inside it')
    .addOption(new Option('--layout <layout>', 'one zip or an unpacked tree with the same paths').choices(['zip', 'dir']).default('zip'))
    .option('--force', 'replace an existing output this tool wrote', false)
    .option('--fail-on-secrets', 'a secret found in the restore refuses it: exit 4, nothing written', false)
    .option('--secrets-baseline <file>', 'accepted secret fingerprints: the JSON that archive show prints when asked for secrets')
    .option('--json', 'print one JSON document')
    .addHelpText('after', `
Examples:
  $ dataarts backups restore --state-file /backups/state.json -o restore.zip
  $ dataarts backups restore --state-file /backups/state.json --at 2026-11-24T23:00Z load_sales -o load_sales.zip
  $ dataarts jobs import restore.zip --duplicate-policy overwrite`)
    .action(async (names: string[], opts: Omit<BackupsRestoreOptions, 'names'>, cmd: Command) => {
      const { runBackupsRestore } = await import('../../commands/backups-restore.js');
      state.exitCode = await runBackupsRestore(contextFor(cmd, deps, state), { ...opts, names });
    });
}
