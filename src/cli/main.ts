/**
 * `run(argv, deps)`: parse, dispatch, map errors to exit codes. Never calls process.exit (the bin
 * shim sets process.exitCode), so tests call it in-process.
 */
import os from 'node:os';
import { CommanderError, type Command } from 'commander';
import type { Deps } from '../context.js';
import { CleanupRegistry } from '../util/cleanup.js';
import { createProgram } from './program.js';
import type { RunState } from './action.js';
import { processIO, type IO } from '../output/io.js';
import { DataartsError, ExitCode, UsageError, exitCodeFor, InterruptedError, asLocalFileError } from '../errors.js';
import { hasJsonDocument, printJson } from '../output/render.js';
import { redactText } from '../auth/redact.js';
import { colorLevel, loadChalk, stylesFor } from '../output/ui.js';
import { tuneForOneCommand } from './process-tuning.js';

export interface RunOptions {
  /** Install SIGINT/SIGTERM handlers (only the real process does). */
  handleSignals?: boolean;
}

export function defaultDeps(signal: AbortSignal, io: IO = processIO()): Deps {
  return {
    io,
    env: process.env,
    cwd: process.cwd(),
    homedir: os.homedir(),
    now: () => new Date(),
    signal,
    cleanup: new CleanupRegistry(),
  };
}

export async function run(argv: string[], partial: Partial<Deps> = {}, options: RunOptions = { handleSignals: true }): Promise<number> {
  const controller = new AbortController();
  // The process streams only when the caller gives none: guarding them adds listeners to
  // process.stdout/stderr, which in-process callers (tests, one module instance per test file)
  // would pile up past Node's limit of 10.
  const deps: Deps = { ...defaultDeps(partial.signal ?? controller.signal, partial.io ?? processIO()), ...partial, ownsProcess: options.handleSignals === true };
  let interruptedBy: 'SIGINT' | 'SIGTERM' | undefined;
  const onSignal = (sig: 'SIGINT' | 'SIGTERM') => {
    if (interruptedBy) process.exit(sig === 'SIGINT' ? ExitCode.SIGINT : ExitCode.SIGTERM); // second signal: give up now
    interruptedBy = sig;
    controller.abort(new InterruptedError(sig));
  };
  const sigint = () => onSignal('SIGINT');
  const sigterm = () => onSignal('SIGTERM');
  if (options.handleSignals) {
    tuneForOneCommand();
    process.on('SIGINT', sigint);
    process.on('SIGTERM', sigterm);
  }
  const state: RunState = { json: argv.includes('--json') };
  try {
    // The quick start re-enters the CLI for each step it shows; it is handed run() rather than importing it.
    const program = await createProgram(deps, state, (nestedArgv, nested) => run(nestedArgv, nested, { handleSignals: false }), argv);
    argv = helpAsFlag(argv, program);
    await program.parseAsync(argv, { from: 'user' });
    return state.exitCode ?? ExitCode.OK;
  } catch (err) {
    await deps.cleanup.runAll();
    const abortReason = deps.signal.aborted ? deps.signal.reason : undefined;
    const effective = abortReason instanceof InterruptedError ? abortReason : err;
    return report(effective, deps, argv, state.json);
  } finally {
    if (options.handleSignals) {
      process.off('SIGINT', sigint);
      process.off('SIGTERM', sigterm);
    }
  }
}

/**
 * `dataarts help jobs export` → `dataarts jobs export --help`. Commander's own help command takes
 * one name only (it would show the help of `jobs`), so the words after `help` are the command path.
 */
function helpAsFlag(argv: string[], program: Command): string[] {
  const at = argv.findIndex((a) => !a.startsWith('-'));
  if (at === -1 || argv[at] !== 'help' || at === argv.length - 1) return argv;
  const words = argv.slice(at + 1).filter((a) => !a.startsWith('-'));
  let cmd = program;
  for (const word of words) {
    const next = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!next) throw new UsageError(`no help for '${words.join(' ')}': '${word}' is not a command${cmd === program ? '' : ` of '${cmd.name()}'`}`, { hint: 'See dataarts --help.' });
    cmd = next;
  }
  return [...argv.slice(0, at), ...argv.slice(at + 1), '--help'];
}

async function report(thrown: unknown, deps: Deps, argv: string[], json: boolean): Promise<number> {
  // A raw fs error (EACCES, ENOENT, ENOSPC …) is about a local path, not a bug: exit 7, in words.
  const err = asLocalFileError(thrown);
  if (err instanceof CommanderError) {
    // Help and version requested: commander already printed them.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.OK;
    // Commander has printed its own message to stderr (configureOutput); only the code is ours.
    return ExitCode.USAGE;
  }
  const code = exitCodeFor(err);
  const message = redactText(err instanceof Error ? err.message : String(err));
  const hint = err instanceof DataartsError && err.hint ? redactText(err.hint) : undefined;
  // Every failure after the flags were parsed prints the error document (contract). A command that
  // failed after printing its result (a refused plan, a partial import) has already written the one
  // document --json promises; the error then goes to stderr only.
  if (json && !hasJsonDocument(deps.io.stdout)) {
    const details = err instanceof DataartsError ? err.details : undefined;
    await printJson(deps.io.stdout, { error: { message, hint, exitCode: code, ...(details === undefined ? {} : { details }) } });
  }
  const stderr = deps.io.stderr;
  const level = colorLevel(deps.io, deps.env, !argv.includes('--no-color'));
  if (level > 0) await loadChalk();
  const red = stylesFor(level).red;
  if (code === ExitCode.INTERNAL) {
    stderr.write(`${red('Error:')} unexpected internal error: ${message}\n`);
    if (err instanceof Error && err.stack) stderr.write(`${redactText(err.stack)}\n`);
    stderr.write('This is a bug in dataarts; please report it with the command you ran.\n');
  } else {
    stderr.write(`${red('Error:')} ${message}\n`);
    if (hint) stderr.write(`${hint}\n`);
  }
  return code;
}
