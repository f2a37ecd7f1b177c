/**
 * The process streams, passed to everything that prints (no module-level singletons).
 *
 * Stream discipline: stdout carries data only (the command's result: a table, summary line or
 * exactly one JSON document). Progress, spinners, warnings, errors and the `--verbose` request log
 * go to stderr. Spinners and progress bars only when stderr is a TTY with columns, not under CI.
 */
import type { Readable, Writable } from 'node:stream';

export interface IO {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Terminal width of stderr, 0 when unknown. */
  stderrColumns: number;
}

export function processIO(): IO {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    stderrColumns: process.stderr.columns ?? 0,
  };
}

/** Write to a stream and resolve once it is flushed (matters for pipes before exit). */
export function writeOut(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (err) => (err ? reject(err) : resolve()));
  });
}
