/**
 * `dataarts quickstart`: the README's first command. Starts the embedded emulator on a free loopback
 * port, runs the real commands against it (list, export from one workspace, import into another),
 * echoing each command line so the user sees what to type against the real service, then stops it.
 */
import type { Command } from 'commander';
import type { Deps } from '../../context.js';
import type { QuickstartOptions, RunCli } from '../../commands/quickstart.js';
import { contextFor, positiveInt, type RunState } from '../action.js';

export function registerQuickstartCommand(quickstart: Command, deps: Deps, state: RunState, runCli: RunCli): void {
  quickstart
    .option('--jobs <n>', 'jobs to seed into the source workspace', positiveInt('--jobs'), 40)
    .option('--keep', "keep the working directory (archive, config file, the emulator's state) and print how to run the steps again", false)
    .addHelpText('after', `
Starts the emulator on 127.0.0.1 (a free port), then runs:
  dataarts jobs list --match 'job_0000*'
  dataarts jobs export --all -o <tmp>/dev-jobs.zip            (workspace dev)
  dataarts jobs import <tmp>/dev-jobs.zip --env prod --dry-run (workspace prod)
  dataarts jobs import <tmp>/dev-jobs.zip --env prod --obs-path obs://dataarts-staging/quickstart/
  dataarts jobs list                                           (workspace prod)
and stops the emulator.`)
    .action(async (opts: QuickstartOptions, cmd: Command) => {
      const { runQuickstart } = await import('../../commands/quickstart.js');
      state.exitCode = await runQuickstart(contextFor(cmd, deps, state), { ...opts, script: process.argv[1] }, { runCli });
    });
}
