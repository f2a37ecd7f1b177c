import type { Command } from 'commander';
import type { Deps } from '../context.js';
import type { RunState } from '../program.js';
// Placeholder until the emulator lands (replaced by the emulator work).
export function registerEmulatorCommand(_program: Command, _deps: Deps, _state: RunState): void {}
