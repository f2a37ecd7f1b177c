/**
 * The `backups` noun: restore points of the chains `jobs export-workspace --state-file` writes.
 * Flags as in shared/docs/cli-contract.md; each action imports its runner lazily.
 */
import { Command, Option } from 'commander';
import type { Deps } from '../../context.js';
import type { BackupsListOptions } from '../../commands/backups-list.js';
import type { BackupsVerifyOptions } from '../../commands/backups-verify.js';
import type { BackupsRestoreOptions } from '../../commands/backups-restore.js';
import { collectGlob, contextFor, type RunState } from '../action.js';

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
    .command('restore')
    .description('build one import-ready archive of the jobs as they were at a restore point, without contacting the service')
    .argument('[name...]', 'only these jobs')
    .requiredOption('--state-file <path>', 'the state file of the backups (a local path or obs://BUCKET/KEY)')
    .option('--at <time>', 'the newest restore point at or before this ISO 8601 time or duration ago (default: the newest)')
    .option('--match <glob>', 'only jobs whose name matches (repeatable)', collectGlob, [])
    .option('-o, --output <path>', 'archive path (.zip), a directory with --layout dir, or DIR/ for a default name inside it')
    .addOption(new Option('--layout <layout>', 'one zip or an unpacked tree with the same paths').choices(['zip', 'dir']).default('zip'))
    .option('--force', 'replace an existing output this tool wrote', false)
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
