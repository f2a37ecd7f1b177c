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
    stdout: tolerateClosedReader(process.stdout),
    stderr: tolerateClosedReader(process.stderr),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    stderrColumns: process.stderr.columns ?? 0,
  };
}

/** Streams whose reader went away (EPIPE): nothing more is written to them. */
const closedReaders = new WeakSet<Writable>();

function isEpipe(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'EPIPE';
}

/**
 * Contract: a closed standard output (`dataarts jobs list | head -1`) is not an error. The command
 * finishes its work, writes nothing more there, says nothing about it and keeps its exit code.
 * Without a listener Node turns the stream's EPIPE 'error' event into a crash with a stack trace.
 */
const guarded = new WeakSet<Writable>();

export function tolerateClosedReader<S extends Writable>(stream: S): S {
  // Once per stream: run() is entered many times in one process (quickstart steps, tests).
  if (guarded.has(stream)) return stream;
  guarded.add(stream);
  stream.on('error', (err) => {
    if (isEpipe(err)) closedReaders.add(stream);
    // Any other write error also reaches the writer's callback (writeOut rejects with it).
  });
  return stream;
}

/** Write to a stream and resolve once it is flushed (matters for pipes before exit); a closed reader swallows it. */
export function writeOut(stream: Writable, text: string): Promise<void> {
  if (closedReaders.has(stream) || stream.destroyed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    stream.write(text, (err) => {
      if (!err) return resolve();
      if (isEpipe(err) || closedReaders.has(stream)) {
        closedReaders.add(stream);
        return resolve();
      }
      reject(err);
    });
  });
}
