/**
 * What every command gets: the process dependencies (injected, so tests run `run()` in-process with
 * their own streams, environment and clock) and the parsed global flags.
 */
import type { IO } from './output/io.js';
import type { Ui } from './output/ui.js';

export interface Deps {
  io: IO;
  env: Record<string, string | undefined>;
  cwd: string;
  homedir: string;
  now: () => Date;
  /** Aborted on SIGINT/SIGTERM; long operations pass it on (undici, timers). */
  signal: AbortSignal;
  /** Undo actions (remove temp files, delete staged objects) run when the command ends abnormally. */
  cleanup: CleanupRegistry;
}

/** Global flags (contract: "Where it connects" and "Global flags"). */
export interface GlobalOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  color: boolean;
  progress: boolean;
  profile?: string;
  config?: string;
  region?: string;
  projectId?: string;
  workspace?: string;
  endpoint?: string;
  iamEndpoint?: string;
  obsEndpoint?: string;
  caFile?: string;
}

export interface CommandContext {
  deps: Deps;
  globals: GlobalOptions;
  ui: Ui;
}

/**
 * A stack of undo actions. A command registers one as soon as it creates something that must not
 * outlive a failed or interrupted run, and releases it once the thing is safely in place.
 */
export class CleanupRegistry {
  private readonly actions = new Map<number, () => Promise<void> | void>();
  private next = 0;

  add(action: () => Promise<void> | void): () => void {
    const id = this.next++;
    this.actions.set(id, action);
    return () => {
      this.actions.delete(id);
    };
  }

  /** Run every pending action, newest first; errors are swallowed (best effort). */
  async runAll(): Promise<void> {
    const pending = [...this.actions.entries()].reverse();
    this.actions.clear();
    for (const [, action] of pending) {
      try {
        await action();
      } catch {
        // Cleanup is best effort: the original failure is what the user needs to see.
      }
    }
  }
}
