/**
 * The commander tree. Only commander and chalk load at start-up; each command's implementation is
 * imported inside its action (stack.md: undici, ora, cosmiconfig, yazl and yauzl cost 50-90 ms each).
 */
import { Command } from 'commander';
import type { Deps } from '../context.js';
import type { RunState } from './action.js';
import { VERSION } from '../version.js';
import { writeOut } from '../output/io.js';
import { registerJobsCommands } from './commands/jobs.js';
import { registerEmulatorCommand } from './commands/emulator.js';
import { registerQuickstartCommand } from './commands/quickstart.js';
import { registerBackupsCommands } from './commands/backups.js';
import { registerArchiveCommands } from './commands/archive.js';
import { registerCompletionCommand } from './commands/completion.js';
import type { RunCli } from '../commands/quickstart.js';

export function createProgram(deps: Deps, state: RunState, runCli: RunCli): Command {
  const program = new Command('dataarts');
  program
    .description('Export and import Huawei Cloud DataArts Studio (DataArts Factory) jobs.')
    .version(VERSION, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show help')
    .option('--json', 'print exactly one JSON document on stdout (the result) and nothing else')
    .option('-q, --quiet', 'print nothing on stderr but warnings and errors')
    .option('--verbose', 'log every request on stderr (method, URL, status, request id, timing; secrets redacted)')
    .option('--no-color', 'no colour (also NO_COLOR)')
    .option('--no-progress', 'no spinner or progress bar')
    .option('--profile <name>', 'config profile (env DATAARTS_PROFILE)')
    .option('--config <path>', 'config file (env DATAARTS_CONFIG)')
    .option('--region <id>', 'region, e.g. cn-north-4 (env DATAARTS_REGION, HUAWEICLOUD_SDK_REGION)')
    .option('--project-id <id>', 'project id (env DATAARTS_PROJECT_ID, HUAWEICLOUD_SDK_PROJECT_ID)')
    .option('--workspace <id>', 'workspace id (env DATAARTS_WORKSPACE); default: the service default workspace')
    .option('--endpoint <url>', 'DataArts Factory endpoint (env DATAARTS_ENDPOINT)')
    .option('--iam-endpoint <url>', 'IAM endpoint (env DATAARTS_IAM_ENDPOINT)')
    .option('--obs-endpoint <url>', 'OBS endpoint (env DATAARTS_OBS_ENDPOINT); path-style addressing on a custom endpoint')
    .option('--ca-file <path>', 'extra CA certificates (PEM) to trust (also NODE_EXTRA_CA_CERTS)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void writeOut(deps.io.stdout, s).catch(() => undefined),
      writeErr: (s) => void writeOut(deps.io.stderr, s).catch(() => undefined),
    })
    .addHelpText(
      'after',
      `
Examples:
  $ dataarts emulator --seed-jobs 50            # a local service to try things against
  $ dataarts jobs list --match 'etl_*'
  $ dataarts jobs export --all -o jobs.zip
  $ dataarts jobs import jobs.zip --obs-path obs://bucket/staging/ --duplicate-policy overwrite

Exit codes: 0 ok, 2 usage, 3 config/credentials, 4 refused by a pre-check, 5 some jobs failed,
6 service/network failure, 7 local file or directory, 8 differences found, 130/143 interrupted.
Help on one command: dataarts help jobs export. See README.md.`,
    );
  // Subcommands inherit exitOverride and output settings through copyInheritedSettings.
  registerJobsCommands(program, deps, state);
  registerArchiveCommands(program, deps, state);
  registerEmulatorCommand(program, deps, state);
  registerQuickstartCommand(program, deps, state, runCli);
  registerBackupsCommands(program, deps, state);
  registerCompletionCommand(program, deps, state);
  return program;
}
