/**
 * A change as text lines a person reads at any size: short values whole; two long strings as a
 * window around their first difference (both sides cut at the same place, so the change is always
 * in view); with `unified`, script content as a unified diff. Every line stays within
 * MAX_LINE characters (the whole values are in --json).
 */
import { JsonNumber } from '../archive/json-exact.js';
import type { Change } from './json-diff.js';

export const MAX_LINE = 200;
/** Characters of context shown before the first difference of two long strings. */
const BEFORE = 24;
/** Characters shown from the first difference on. */
const AFTER = 48;
const SHORT = 80;

/** A line cut to MAX_LINE characters. */
export function clip(line: string, max = MAX_LINE): string {
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

function whole(v: unknown): string {
  if (v === null || v === undefined) return '(none)';
  if (v instanceof JsonNumber) return v.text;
  return JSON.stringify(v);
}

function short(v: unknown): string {
  const text = whole(v);
  return text.length > SHORT ? `${text.slice(0, SHORT - 1)}…` : text;
}

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function commonSuffix(a: string, b: string, prefix: number): number {
  const n = Math.min(a.length, b.length) - prefix;
  let i = 0;
  while (i < n && a.charCodeAt(a.length - 1 - i) === b.charCodeAt(b.length - 1 - i)) i++;
  return i;
}

/** The part of `s` around [start, changedEnd), quoted, with … where it is cut. */
function window(s: string, start: number, changedEnd: number): string {
  const end = Math.min(s.length, Math.max(changedEnd, start + BEFORE) + 8, start + BEFORE + AFTER);
  return `${start > 0 ? '…' : ''}${JSON.stringify(s.slice(start, end))}${end < s.length ? '…' : ''}`;
}

/** `from → to` for one change; two long strings shown where they first differ. */
export function changeText(c: Change): string {
  const { from, to } = c;
  if (typeof from === 'string' && typeof to === 'string' && (from.length > SHORT || to.length > SHORT)) {
    const p = commonPrefix(from, to);
    const s = commonSuffix(from, to, p);
    const start = Math.max(0, p - BEFORE);
    return `at character ${p + 1} (length ${from.length} → ${to.length}): ${window(from, start, from.length - s)} → ${window(to, start, to.length - s)}`;
  }
  return `${short(from)} → ${short(to)}`;
}

/** Script content (`scripts[NAME].content`) is what --unified shows line by line. */
function isScriptContent(c: Change): boolean {
  return /^scripts\[.*\]\.content$/.test(c.path) && (typeof c.from === 'string' || typeof c.to === 'string');
}

/** Lines of one change, indented under its job. */
export function changeLines(c: Change, options: { unified?: boolean } = {}): string[] {
  if (options.unified && isScriptContent(c)) {
    const from = typeof c.from === 'string' ? c.from : '';
    const to = typeof c.to === 'string' ? c.to : '';
    return [clip(`  ${c.path}:`), ...unifiedDiff(from, to, { fromLabel: 'workspace', toLabel: 'archive' }).map((l) => clip(`    ${l}`))];
  }
  return [clip(`  ${c.path}: ${changeText(c)}`)];
}

/** Edit script of two line lists: LCS by dynamic programming over the part between the common ends. */
function lineOps(a: string[], b: string[]): { op: ' ' | '-' | '+'; line: string }[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const ma = a.slice(pre, a.length - suf);
  const mb = b.slice(pre, b.length - suf);
  const ops: { op: ' ' | '-' | '+'; line: string }[] = a.slice(0, pre).map((line) => ({ op: ' ', line }));
  if (ma.length * mb.length > 4_000_000) {
    // Too big a middle for the table: shown as replaced whole (still exact, just less minimal).
    ops.push(...ma.map((line) => ({ op: '-' as const, line })), ...mb.map((line) => ({ op: '+' as const, line })));
  } else {
    const w = mb.length + 1;
    const lcs = new Uint32Array((ma.length + 1) * w);
    for (let i = ma.length - 1; i >= 0; i--) {
      for (let j = mb.length - 1; j >= 0; j--) {
        lcs[i * w + j] = ma[i] === mb[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < ma.length || j < mb.length) {
      if (i < ma.length && j < mb.length && ma[i] === mb[j]) { ops.push({ op: ' ', line: ma[i]! }); i++; j++; }
      // Removals before additions, as diff -u prints them.
      else if (i < ma.length && (j === mb.length || lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!)) { ops.push({ op: '-', line: ma[i]! }); i++; }
      else { ops.push({ op: '+', line: mb[j]! }); j++; }
    }
  }
  ops.push(...a.slice(a.length - suf).map((line) => ({ op: ' ' as const, line })));
  return ops;
}

/** A unified diff (3 lines of context) of two texts, `---`/`+++` headers first. */
export function unifiedDiff(from: string, to: string, labels: { fromLabel: string; toLabel: string }, context = 3): string[] {
  const ops = lineOps(from.split('\n'), to.split('\n'));
  const out = [`--- ${labels.fromLabel}`, `+++ ${labels.toLabel}`];
  let k = 0;
  let aLine = 1;
  let bLine = 1;
  while (k < ops.length) {
    if (ops[k]!.op === ' ') { k++; aLine++; bLine++; continue; }
    // A hunk: from `context` lines before this change to `context` lines after the last change
    // that is within 2*context of the one before it.
    const start = Math.max(0, k - context);
    let lastChange = k;
    for (let x = k + 1; x < ops.length && x - lastChange <= 2 * context; x++) if (ops[x]!.op !== ' ') lastChange = x;
    const end = Math.min(ops.length, lastChange + 1 + context);
    const hunk = ops.slice(start, end);
    const aStart = aLine - (k - start);
    const bStart = bLine - (k - start);
    const aCount = hunk.filter((o) => o.op !== '+').length;
    const bCount = hunk.filter((o) => o.op !== '-').length;
    out.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`, ...hunk.map((o) => `${o.op}${o.line}`));
    for (let x = k; x < end; x++) {
      if (ops[x]!.op !== '+') aLine++;
      if (ops[x]!.op !== '-') bLine++;
    }
    k = end;
  }
  return out;
}
