/**
 * The commander tree. Only commander and chalk load at start-up; each command's implementation is
 * imported inside its action (stack.md: undici, ora, cosmiconfig, yazl and yauzl cost 50-90 ms each).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { CommandContext, Deps, GlobalOptions } from './context.js';
import { Ui } from '../output/ui.js';
import { VERSION } from '../version.js';
import { registerJobsCommands } from './commands/jobs.js';
import { registerEmulatorCommand } from './commands/emulator.js';
import { registerQuickstartCommand } from './commands/quickstart.js';

export interface RunState {
  json: boolean;
  exitCode?: number;
}

/** Build the context for an action from the command's merged options. */
export function contextFor(cmd: Command, deps: Deps, state: RunState): CommandContext {
  const all = cmd.optsWithGlobals() as Record<string, unknown>;
  const env = deps.env;
  const globals: GlobalOptions = {
    json: Boolean(all.json),
    quiet: Boolean(all.quiet),
    verbose: Boolean(all.verbose),
    color: all.color !== false && env.NO_COLOR === undefined && env.TERM !== 'dumb',
    progress: all.progress !== false,
    profile: all.profile as string | undefined,
    config: all.config as string | undefined,
    region: all.region as string | undefined,
    projectId: all.projectId as string | undefined,
    workspace: all.workspace as string | undefined,
    endpoint: all.endpoint as string | undefined,
    iamEndpoint: all.iamEndpoint as string | undefined,
    obsEndpoint: all.obsEndpoint as string | undefined,
    caFile: all.caFile as string | undefined,
  };
  state.json = globals.json;
  const ui = new Ui(deps.io, {
    quiet: globals.quiet,
    verbose: globals.verbose,
    color: globals.color,
    progress: globals.progress,
    ci: Boolean(env.CI) && env.CI !== 'false',
  });
  return { deps, globals, ui };
}

export function createProgram(deps: Deps, state: RunState): Command {
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
      writeOut: (s) => deps.io.stdout.write(s),
      writeErr: (s) => deps.io.stderr.write(s),
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
6 service/network failure, 130/143 interrupted. See README.md.`,
    );
  // Subcommands inherit exitOverride and output settings through copyInheritedSettings.
  registerJobsCommands(program, deps, state);
  registerEmulatorCommand(program, deps, state);
  registerQuickstartCommand(program, deps, state);
  return program;
}

/** A repeatable option collector for commander. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parse a positive integer option value or fail with a usage error naming the flag. */
export function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${flag} must be a positive integer, got '${value}'`);
    }
    return n;
  };
}

export { Option };
