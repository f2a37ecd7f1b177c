/**
 * Run the CLI in-process with captured streams, an explicit environment and working directory:
 * the same `run()` the bin shim calls, with no process-wide state touched.
 */
import { PassThrough, Readable } from 'node:stream';
import os from 'node:os';
import { run } from '../../src/cli/main.js';
import { CleanupRegistry } from '../../src/util/cleanup.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  stdin?: string;
  stderrIsTTY?: boolean;
  signal?: AbortSignal;
  /** The clock the run sees (default: the real one), for runs "on another night". */
  now?: () => Date;
  /** Called with each chunk the run writes to stdout, as it writes it (e.g. to stop a server once it is up). */
  onStdout?: (chunk: string) => void;
}

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

export async function runCli(argv: string[], options: CliOptions = {}): Promise<CliResult> {
  const out = capture();
  if (options.onStdout) out.stream.on('data', (c: Buffer) => options.onStdout!(c.toString('utf8')));
  const err = capture();
  const code = await run(
    argv,
    {
      io: {
        stdin: Readable.from([options.stdin ?? '']),
        stdout: out.stream,
        stderr: err.stream,
        stdoutIsTTY: false,
        stderrIsTTY: options.stderrIsTTY ?? false,
        stderrColumns: options.stderrIsTTY ? 80 : 0,
      },
      // A clean environment by default: tests must say every setting they rely on.
      env: { PATH: process.env.PATH, ...(options.env ?? {}) },
      cwd: options.cwd ?? process.cwd(),
      homedir: options.cwd ?? os.tmpdir(),
      now: options.now ?? (() => new Date()),
      cleanup: new CleanupRegistry(),
      ...(options.signal ? { signal: options.signal } : {}),
    },
    { handleSignals: false },
  );
  await new Promise((r) => setImmediate(r));
  return { code, stdout: out.text(), stderr: err.text() };
}
