/** The command tree as the completion scripts see it (built from commander by src/cli/completion-spec.ts). */
export interface CompletionOption {
  /** `-o`, `--output` … */
  names: string[];
  takesValue: boolean;
  /** The fixed values (`zip`, `dir`). */
  choices?: string[];
  /** The value is a local path: offer file names. */
  path?: boolean;
  description: string;
}

export interface CompletionCommand {
  name: string;
  description: string;
  options: CompletionOption[];
  subcommands: CompletionCommand[];
  /** Positional arguments are offered file names (archives, name files). */
  positionalPaths: boolean;
  /** The fixed values of the first positional argument (`completion bash|zsh|fish`). */
  positionalChoices?: string[];
}

/** Every command path below the root ('' for the root itself), with the command there. */
export function commandPaths(root: CompletionCommand): { path: string; command: CompletionCommand }[] {
  const out: { path: string; command: CompletionCommand }[] = [];
  const walk = (cmd: CompletionCommand, path: string) => {
    out.push({ path, command: cmd });
    for (const sub of cmd.subcommands) walk(sub, path === '' ? sub.name : `${path} ${sub.name}`);
  };
  walk(root, '');
  return out;
}

/** Options valid at a path: the root's (global) options and the command's own. */
export function optionsAt(root: CompletionCommand, command: CompletionCommand): CompletionOption[] {
  if (command === root) return root.options;
  // -V/--version exists on the root only; every other root option is global.
  const own = new Set([...command.options.flatMap((o) => o.names), '--version']);
  return [...command.options, ...root.options.filter((o) => !o.names.some((n) => own.has(n)))];
}
