/**
 * What every action shares: the per-run state `run()` reads back (exit code, --json) and the
 * context a runner is given. Kept apart from program.ts so the command modules it registers do
 * not import it back.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { CommandContext, Deps, GlobalOptions } from '../context.js';
import { Ui, colorLevel } from '../output/ui.js';
import { globProblem } from '../util/glob.js';

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
    // Decided for stderr, where the colour goes (--no-color, FORCE_COLOR, NO_COLOR, TERM, TTY).
    color: colorLevel(deps.io, env, all.color !== false) > 0,
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
    colorLevel: colorLevel(deps.io, env, all.color !== false),
    progress: globals.progress,
    ci: Boolean(env.CI) && env.CI !== 'false',
  });
  return { deps, globals, ui };
}

/** A repeatable option collector for commander. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A repeatable `--match GLOB`: a malformed pattern is a usage error now, before any request. */
export function collectGlob(value: string, previous: string[] = []): string[] {
  const problem = globProblem(value);
  if (problem) throw new InvalidArgumentError(`'${value}' is not a valid pattern: ${problem}`);
  return [...previous, value];
}

/**
 * Parse a positive number of seconds (`600`, `0.5`) or fail with a usage error naming the flag.
 * Fractions are allowed so a script (or a test) can give up sooner than a whole second.
 */
export function positiveSeconds(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^(\d+(\.\d*)?|\.\d+)$/.test(value) || !Number.isFinite(n) || n <= 0) {
      throw new InvalidArgumentError(`${flag} must be a positive number of seconds, got '${value}'`);
    }
    return n;
  };
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
