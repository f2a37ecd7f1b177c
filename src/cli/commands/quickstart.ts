import type { Command } from 'commander';
import type { Deps } from '../context.js';
import type { RunState } from '../program.js';
// Placeholder until the quick start lands.
export function registerQuickstartCommand(_program: Command, _deps: Deps, _state: RunState): void {}
