/**
 * Every error the tool reports on purpose, and the one mapping from errors to the exit codes of
 * the contract (shared/docs/cli-contract.md, "Exit codes"). Nothing else in the code chooses an
 * exit code: throw one of these and let `run()` map it.
 */

export const ExitCode = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  CONFIG: 3,
  REFUSED: 4,
  PARTIAL: 5,
  SERVICE: 6,
  SIGINT: 130,
  SIGTERM: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Base class: a message for the user, an optional hint saying what to do, and an exit code. */
export class DataartsError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint?: string;
  /** Machine-readable detail for `--json` error documents (never secrets). */
  readonly details?: unknown;

  constructor(message: string, exitCode: ExitCodeValue, options: { hint?: string; details?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = options.hint;
    this.details = options.details;
  }
}

/** Bad flags or arguments (exit 2). */
export class UsageError extends DataartsError {
  constructor(message: string, options: { hint?: string; details?: unknown } = {}) {
    super(message, ExitCode.USAGE, options);
  }
}

/** Missing or invalid configuration or credentials (exit 3). `file` and `key` say where. */
export class ConfigError extends DataartsError {
  readonly file?: string;
  readonly key?: string;
  constructor(message: string, options: { file?: string; key?: string; hint?: string; cause?: unknown } = {}) {
    super(message, ExitCode.CONFIG, options);
    this.file = options.file;
    this.key = options.key;
  }
}

/** Authentication or authorisation rejected by the service (exit 3). */
export class AuthError extends DataartsError {
  constructor(message: string, options: { hint?: string; details?: unknown; cause?: unknown } = {}) {
    super(message, ExitCode.CONFIG, options);
  }
}

/** One reason a pre-check refused: which job (or archive entry) and why. */
export interface Refusal {
  /** Job name, archive entry or other subject the reason is about. */
  subject: string;
  reason: string;
}

/** A pre-check refused; nothing was changed (exit 4). */
export class RefusedError extends DataartsError {
  readonly refusals: Refusal[];
  constructor(message: string, refusals: Refusal[] = [], options: { hint?: string } = {}) {
    super(message, ExitCode.REFUSED, { ...options, details: { refusals } });
    this.refusals = refusals;
  }
}

/** An archive that cannot be read safely (exit 4): the entry and the reason. */
export class ArchiveError extends RefusedError {
  constructor(message: string, refusals: Refusal[] = [], options: { hint?: string } = {}) {
    super(message, refusals, options);
  }
}

/** Some jobs failed on the service side; the result lists them (exit 5). */
export class PartialFailureError extends DataartsError {
  constructor(message: string, details?: unknown) {
    super(message, ExitCode.PARTIAL, { details });
  }
}

/** The service or the network failed after retries (exit 6). */
export class ServiceError extends DataartsError {
  constructor(message: string, options: { hint?: string; details?: unknown; cause?: unknown } = {}) {
    super(message, ExitCode.SERVICE, options);
  }
}

/** The run was interrupted by a signal (exit 130 or 143). */
export class InterruptedError extends DataartsError {
  constructor(signal: 'SIGINT' | 'SIGTERM') {
    super(`interrupted by ${signal}`, signal === 'SIGINT' ? ExitCode.SIGINT : ExitCode.SIGTERM);
  }
}

/** The one mapping from any thrown value to an exit code. */
export function exitCodeFor(err: unknown): ExitCodeValue {
  if (err instanceof DataartsError) return err.exitCode;
  return ExitCode.INTERNAL;
}
