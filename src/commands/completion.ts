/**
 * `dataarts completion bash|zsh|fish`: a completion script for that shell on stdout, generated
 * from the command tree the CLI parses (handed in by the CLI layer as plain data).
 */
import type { CommandContext } from '../context.js';
import { printLines } from '../output/render.js';
import { bashScript, zshScript } from '../completion/bash.js';
import { fishScript } from '../completion/fish.js';
import type { CompletionCommand } from '../completion/types.js';

export type { CompletionCommand } from '../completion/types.js';

export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;

export interface CompletionOptions {
  shell: (typeof COMPLETION_SHELLS)[number];
  tree: CompletionCommand;
}

export async function runCompletion(ctx: CommandContext, opts: CompletionOptions): Promise<number> {
  const script = opts.shell === 'bash' ? bashScript(opts.tree) : opts.shell === 'zsh' ? zshScript(opts.tree) : fishScript(opts.tree);
  await printLines(ctx.deps.io.stdout, [script.replace(/\n$/, '')]);
  return 0;
}
