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
  LOCAL_FILE: 7,
  DIFFERENCES: 8,
  BACKUPS_UNHEALTHY: 9,
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
  /** `details`: more machine-readable detail beside the refusals (never secrets). */
  constructor(message: string, refusals: Refusal[] = [], options: { hint?: string; details?: Record<string, unknown> } = {}) {
    super(message, ExitCode.REFUSED, { hint: options.hint, details: { refusals, ...options.details } });
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

/** Errno codes of the file system, in words a person reads ("permission denied"). */
const ERRNO_WORDS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'it already exists',
  ENOTEMPTY: 'the directory is not empty',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EBUSY: 'it is busy',
  EXDEV: 'it is on another file system',
  EIO: 'input/output error',
};

/** The errno code of a Node file-system error, if it is one. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
}

/** The reason in words for an errno code (falls back to the code itself). */
export function errnoWords(code: string): string {
  return ERRNO_WORDS[code] ?? code;
}

/**
 * A local file or directory could not be read or written (exit 7): the path and the reason in
 * words, e.g. "cannot write /backups/x.zip: permission denied".
 */
export class LocalFileError extends DataartsError {
  readonly path: string;
  readonly code?: string;
  constructor(action: 'read' | 'write' | 'create' | 'remove' | 'rename' | 'lock' | 'open' | 'use', path: string, reason: string | unknown, options: { hint?: string; code?: string } = {}) {
    const code = typeof reason === 'string' ? options.code : errnoCode(reason) ?? options.code;
    const words = typeof reason === 'string' ? reason : code ? errnoWords(code) : String((reason as Error)?.message ?? reason);
    super(`cannot ${action} ${path}: ${words}`, ExitCode.LOCAL_FILE, { hint: options.hint, details: { path, code }, cause: typeof reason === 'string' ? undefined : reason });
    this.path = path;
    this.code = code;
  }

  /** Wrap a Node fs error (one with an errno code and a path) as exit 7; anything else unchanged. */
  static from(err: unknown, action: 'read' | 'write' | 'create' | 'remove' | 'rename' | 'lock' | 'open' | 'use', fallbackPath?: string): unknown {
    if (err instanceof DataartsError) return err;
    const code = errnoCode(err);
    const p = (err as { path?: unknown } | null)?.path;
    const where = typeof p === 'string' ? p : fallbackPath;
    if (!code || !where || !(code in ERRNO_WORDS)) return err;
    return new LocalFileError(action, where, err);
  }
}

/** The action a raw fs error's system call was doing, in the words of LocalFileError's message. */
function actionOfSyscall(syscall: unknown): 'read' | 'write' | 'create' | 'remove' | 'rename' | 'open' | 'use' {
  switch (syscall) {
    case 'read': case 'scandir': case 'readdir': case 'stat': case 'lstat': case 'fstat': case 'access': case 'readlink': case 'realpath':
      return 'read';
    case 'write': case 'writev': case 'ftruncate': case 'fsync': case 'fdatasync': case 'copyfile': case 'chmod': case 'utime':
      return 'write';
    case 'mkdir': case 'mkdtemp': case 'symlink': case 'link':
      return 'create';
    case 'unlink': case 'rmdir': case 'rm':
      return 'remove';
    case 'rename':
      return 'rename';
    case 'open':
      return 'open';
    default:
      return 'use';
  }
}

/**
 * A raw Node fs error that reached the top (nobody wrapped it) as the LocalFileError it is: the
 * action from its system call, the path it names. Anything else comes back unchanged.
 */
export function asLocalFileError(err: unknown): unknown {
  if (err instanceof DataartsError) return err;
  return LocalFileError.from(err, actionOfSyscall((err as { syscall?: unknown } | null)?.syscall));
}

/** `jobs diff --exit-code` found differences (exit 8); the result has been printed. */
export class DifferencesFoundError extends DataartsError {
  constructor(message: string) {
    super(message, ExitCode.DIFFERENCES);
  }
}

/** `backups status`: the newest restore point is older than --max-age, or the last run failed (exit 9). */
export class BackupsUnhealthyError extends DataartsError {
  constructor(message: string, options: { hint?: string; details?: unknown } = {}) {
    super(message, ExitCode.BACKUPS_UNHEALTHY, options);
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
  // A file-system error that reached the top unwrapped is still about a local path, not a bug.
  if (LocalFileError.from(err, 'use') instanceof LocalFileError) return ExitCode.LOCAL_FILE;
  return ExitCode.INTERNAL;
}
