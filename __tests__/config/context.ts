/** A CommandContext for calling loadConfig directly, with captured stderr. */
import { PassThrough, Readable } from 'node:stream';
import type { CommandContext, GlobalOptions } from '../../src/context.js';
import { CleanupRegistry } from '../../src/util/cleanup.js';
import { Ui } from '../../src/output/ui.js';

export function makeContext(opts: { env?: Record<string, string>; cwd: string; homedir?: string; globals?: Partial<GlobalOptions> }): CommandContext {
  const io = { stdin: Readable.from(['']), stdout: new PassThrough(), stderr: new PassThrough(), stdoutIsTTY: false, stderrIsTTY: false, stderrColumns: 0 };
  return {
    deps: {
      io,
      env: { ...(opts.env ?? {}) },
      cwd: opts.cwd,
      homedir: opts.homedir ?? opts.cwd,
      now: () => new Date(),
      signal: new AbortController().signal,
      cleanup: new CleanupRegistry(),
    },
    globals: { json: false, quiet: false, verbose: false, color: false, progress: false, ...(opts.globals ?? {}) },
    ui: new Ui(io, { quiet: false, verbose: false, color: false, progress: false, ci: false }),
  };
}
