/**
 * Results on stdout: exactly one JSON document with --json, otherwise text lines or a table.
 * Every command prints its result through here, so `--json` never mixes with anything else.
 */
import { writeOut } from './io.js';
import { stringifyWithRaw } from '../util/raw-json.js';
import type { Writable } from 'node:stream';

/** Streams that already carry this run's JSON document (so an error does not add a second one). */
const documentWritten = new WeakSet<Writable>();

export function printJson(stdout: Writable, value: unknown): Promise<void> {
  documentWritten.add(stdout);
  // Numbers read exactly (src/archive/json-exact.ts) are printed as written, never through a double.
  return writeOut(stdout, `${stringifyWithRaw(value, 2)}\n`);
}

/** True once printJson wrote to this stream: `--json` promises exactly one document. */
export function hasJsonDocument(stdout: Writable): boolean {
  return documentWritten.has(stdout);
}

export function printLines(stdout: Writable, lines: string[]): Promise<void> {
  if (lines.length === 0) return Promise.resolve();
  return writeOut(stdout, `${lines.join('\n')}\n`);
}

/** A plain, aligned text table (no box drawing: scripts `awk` it). */
export function formatTable(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)];
}
