/**
 * The commander tree as plain data for the completion scripts: every command path, its options
 * (with the fixed values commander validates: `--layout zip|dir`, `--status` …) and subcommands.
 * Read from the tree the CLI itself parses, so completion cannot drift from the flags.
 */
import type { Command, Option } from 'commander';
import { MAP_KINDS } from '../config/types.js';
import type { CompletionCommand, CompletionOption } from '../completion/types.js';

/** Values commander cannot know (free-form flags with a fixed vocabulary in front). */
const VALUE_HINTS: Record<string, string[]> = {
  '--map': MAP_KINDS.map((k) => `${k}:`),
};

/** Flags whose value is a local path (the shell offers file names). */
const PATH_VALUE = /<(path|file|archive|dir|journal)>/;

function optionSpec(o: Option): CompletionOption {
  const names = [o.short, o.long].filter((n): n is string => typeof n === 'string');
  const takesValue = o.required || o.optional;
  const choices = o.argChoices ?? (o.long ? VALUE_HINTS[o.long] : undefined);
  return {
    names,
    takesValue,
    ...(choices ? { choices: [...choices] } : {}),
    ...(takesValue && PATH_VALUE.test(o.flags) ? { path: true } : {}),
    description: o.description,
  };
}

const HELP: CompletionOption = { names: ['-h', '--help'], takesValue: false, description: 'show help' };

export function completionTree(cmd: Command): CompletionCommand {
  const subcommands = cmd.commands.map(completionTree);
  if (subcommands.length > 0) subcommands.push({ name: 'help', description: 'show help for a command', options: [], subcommands: [], positionalPaths: false });
  return {
    name: cmd.name(),
    description: cmd.description(),
    options: [...cmd.options.map(optionSpec), HELP],
    subcommands,
    // A command with arguments (an ARCHIVE, job names) gets file names offered for them.
    positionalPaths: cmd.registeredArguments.length > 0 && !cmd.registeredArguments[0]?.argChoices,
    ...(cmd.registeredArguments[0]?.argChoices ? { positionalChoices: [...cmd.registeredArguments[0].argChoices] } : {}),
  };
}
