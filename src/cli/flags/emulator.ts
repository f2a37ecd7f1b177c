/**
 * `dataarts emulator`: run the local DataArts Factory emulator (flags only; the runner is
 * src/emulator/cli.ts, imported lazily).
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { Deps } from '../../context.js';
import type { EmulatorCommandOptions } from '../../emulator/cli.js';
import { collect, contextFor, positiveInt, type RunState } from '../action.js';

function nonNegativeInt(flag: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${flag} must be a non-negative integer, got '${value}'`);
    return Number(value);
  };
}

function rate(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`--fault-rate must be between 0 and 1, got '${value}'`);
  return n;
}

function listOffset(value: string): string {
  if (!['record', 'page', 'page0', 'page1'].includes(value)) throw new InvalidArgumentError(`--list-offset must be record, page (from 0) or page1 (from 1), got '${value}'`);
  return value === 'page' ? 'page0' : value;
}

function taskShape(value: string): string {
  if (value !== 'dgc' && value !== 'dlf') throw new InvalidArgumentError(`--task-shape must be dgc or dlf, got '${value}'`);
  return value;
}

export function registerEmulatorCommand(emulator: Command, deps: Deps, state: RunState): void {
  const program = emulator.parent!;
  // The global `--workspace <id>` (target workspace of the jobs commands) is parsed by the program
  // before this command sees it, so every occurrence is collected here as a workspace to create.
  const globalWorkspaces: string[] = [];
  program.on('option:workspace', (value: string) => globalWorkspaces.push(value));
  emulator
    .option('--port <n>', 'port to listen on (0 = any free port)', nonNegativeInt('--port'), 0)
    .option('--host <host>', 'loopback address: 127.0.0.1, ::1 or localhost', '127.0.0.1')
    .option('--seed-jobs <n>', 'seed N jobs (with scripts and resources) into the default workspace', nonNegativeInt('--seed-jobs'), 0)
    .option('--seed <n>', 'PRNG seed for seeding and fault injection', nonNegativeInt('--seed'), 1)
    .option('--seed-secrets', 'also seed 5 jobs holding planted credentials (and references that are not), to try the secrets scan', false)
    .option('--workspace <id>', 'another workspace that exists (repeatable)', collect, [])
    .option('--data-dir <path>', 'persist the state as JSON in this directory')
    .option('--latency-ms <n>', 'added to every DataArts response', nonNegativeInt('--latency-ms'), 0)
    .option('--no-rate-limit', 'do not enforce the per-user request limits (429 APIG.0308)')
    .option('--fault-rate <r>', 'share of DataArts calls that fail (0-1)', rate, 0)
    .option('--fault-kinds <list>', 'comma-separated: 5xx,reset,429,truncate (default: all)')
    .option('--list-page-cap <n>', 'most records per list page whatever limit asks', positiveInt('--list-page-cap'), 100)
    .option('--list-offset <reading>', "how list calls read 'offset': record, page (page number from 0) or page1 (from 1)", listOffset, 'record')
    .option('--seed-workspace <id>', 'the workspace --seed-jobs seeds (created if needed)', 'default')
    .option('--connection <ws:name[:type]>', 'a data connection in workspace WS (created if needed); TYPE default DWS (repeatable)', collect, [])
    .option('--lock-fields', 'add the inferred lock fields (lockedBy, …) to job details and scripts', false)
    .option('--task-shape <model>', 'system task and job status as the dgc (subtasks, ms) or dlf (subTasks, string times, starttime, nodeType) SDK model reads them', taskShape, 'dgc')
    .option('--plain-subtasks', "subtask names are the job names and messages carry no 'created:'-style outcome word", false)
    .option('--alter-on-import <job>', 'change that job slightly when it is imported (to test read-back checks; repeatable)', collect, [])
    .option('--request-log <file>', 'append every request as a JSON line to FILE')
    .option('--import-delay-ms <n>', 'time an import task spends on each job', nonNegativeInt('--import-delay-ms'), 5)
    .option('--json', 'print one JSON document (URL and credentials) instead of export lines')
    .addHelpText('after', `
Examples:
  $ dataarts emulator --seed-jobs 50
  $ dataarts emulator --seed-jobs 250 > emulator.env &   # prints export lines once listening
  $ sleep 1; . ./emulator.env; dataarts jobs list
  $ dataarts emulator --workspace prod --fault-rate 0.15 --fault-kinds 5xx,reset --request-log requests.jsonl
  $ dataarts emulator --seed-jobs 20 --seed-workspace dev --connection prod:prod_dws:DWS --list-offset page`)
    .action(async (opts: EmulatorCommandOptions, cmd: Command) => {
      const { runEmulator } = await import('../../emulator/cli.js');
      const workspace = [...new Set([...opts.workspace, ...globalWorkspaces])];
      state.exitCode = await runEmulator(contextFor(cmd, deps, state), { ...opts, workspace });
    });
}
