/**
 * The commander tree. Only commander loads at start-up: each noun's flags module is loaded only
 * when the command line names that noun (or asks for completion, which needs the whole tree), and
 * each command's implementation is imported inside its action (stack.md: undici, ora,
 * cosmiconfig, yazl and yauzl cost 50-90 ms each; the flag modules of six nouns ~40 ms).
 */
import { Command } from 'commander';
import type { Deps } from '../context.js';
import type { RunState } from './action.js';
import { VERSION } from '../version.js';
import { writeOut } from '../output/io.js';
import type { RunCli } from '../commands/quickstart.js';

type RegisterNoun = (noun: Command, deps: Deps, state: RunState, runCli: RunCli) => void;

/** The nouns in help order: name and description here, flags and verbs in their own module. */
const NOUNS: { name: string; description: string; load: () => Promise<RegisterNoun> }[] = [
  { name: 'jobs', description: 'list, export and import DataArts Factory jobs', load: async () => (await import('./flags/jobs.js')).registerJobsCommands },
  { name: 'archive', description: 'look into an archive (zip or directory) without contacting the service', load: async () => (await import('./flags/archive.js')).registerArchiveCommands },
  { name: 'emulator', description: 'run the local DataArts Factory emulator (DataArts Factory v1, IAM and OBS on one loopback port)', load: async () => (await import('./flags/emulator.js')).registerEmulatorCommand },
  { name: 'quickstart', description: 'try dataarts end to end against the embedded emulator (no cloud account needed)', load: async () => (await import('./flags/quickstart.js')).registerQuickstartCommand },
  { name: 'backups', description: 'list, verify, restore, show, diff, forget and check the backups of `jobs export-workspace --state-file` (local or obs://)', load: async () => (await import('./flags/backups.js')).registerBackupsCommands },
  { name: 'completion', description: 'print a shell completion script (commands, subcommands, flags and their fixed values)', load: async () => (await import('./flags/completion.js')).registerCompletionCommand },
];

/**
 * Whether a noun's flags are needed for this command line: it is named (as a command or in
 * `help NOUN`), or completion needs the whole tree. A job that happens to be called like a noun
 * only loads one module more.
 */
function nounNeeded(argv: readonly string[]): (name: string) => boolean {
  const all = argv.includes('completion');
  return (name) => all || argv.includes(name);
}

export async function createProgram(deps: Deps, state: RunState, runCli: RunCli, argv: readonly string[]): Promise<Command> {
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
  const needed = nounNeeded(argv);
  for (const noun of NOUNS) {
    const command = program.command(noun.name).description(noun.description);
    if (needed(noun.name)) (await noun.load())(command, deps, state, runCli);
  }
  return program;
}
