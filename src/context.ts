/**
 * What every command gets: the process dependencies (injected, so tests run `run()` in-process with
 * their own streams, environment and clock) and the parsed global flags.
 */
import type { IO } from './output/io.js';
import type { Ui } from './output/ui.js';
import type { CleanupRegistry } from './util/cleanup.js';

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
  /**
   * This run is the whole process (the bin, which also handles its signals): process-wide
   * settings such as V8's heap flags may be tuned for the command. Not for in-process callers
   * (tests, a nested run), whose process is not the command's to tune.
   */
  ownsProcess?: boolean;
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

