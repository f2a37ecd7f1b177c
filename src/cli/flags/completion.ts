/** `dataarts completion bash|zsh|fish`. */
import { Argument, type Command } from 'commander';
import type { Deps } from '../../context.js';
import { contextFor, type RunState } from '../action.js';
import { completionTree } from '../completion-spec.js';

export function registerCompletionCommand(completion: Command, deps: Deps, state: RunState): void {
  completion
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish']))
    .addHelpText('after', `
Install:
  bash  $ dataarts completion bash > ~/.local/share/bash-completion/completions/dataarts
  zsh   $ echo 'source <(dataarts completion zsh)' >> ~/.zshrc
  fish  $ dataarts completion fish > ~/.config/fish/completions/dataarts.fish`)
    .action(async (shell: 'bash' | 'zsh' | 'fish', _opts: unknown, cmd: Command) => {
      const { runCompletion } = await import('../../commands/completion.js');
      state.exitCode = await runCompletion(contextFor(cmd, deps, state), { shell, tree: completionTree(completion.parent!) });
    });
}
