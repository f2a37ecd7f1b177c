/**
 * JSON parsed for comparison, without a double ever holding a number it cannot hold: job files
 * carry 64-bit ids (`taskWorkGroupId: 1129095060629108148`) that JSON.parse rounds, so two
 * different ids would compare equal. A number whose double prints back as written (`0`, `42`,
 * `1.5`: nearly all of them) stays a JS number, which is exact; any other (`1129095060629108148`,
 * `1.0`, `1e5`) becomes a JsonNumber (the written text and an exact decimal key), so memory stays
 * close to JSON.parse's. Everything else is what JSON.parse gives. Two numbers are equal when they are the same decimal
 * value (`1`, `1.0` and `1e0` are; `…148` and `…151` are not): a service that re-spells a number
 * does not make a job differ, a changed digit always does.
 */
import { rawJsonToken } from '../util/raw-json.js';

export class JsonNumber {
  /** The exact decimal value, normalised: sign, digits without leading/trailing zeros, exponent. */
  readonly key: string;

  constructor(readonly text: string) {
    this.key = decimalKey(text);
  }

  /** In JSON output, the number as it was written (src/util/raw-json.ts). */
  toJSON(): string {
    return rawJsonToken(this.text);
  }

  toString(): string {
    return this.text;
  }
}

const NUMBER_PARTS = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** The exact decimal value of a number as parsed here (a JS number is exact by construction). */
export function numberKey(value: number | JsonNumber): string {
  return typeof value === 'number' ? decimalKey(String(value)) : value.key;
}

function decimalKey(text: string): string {
  const m = NUMBER_PARTS.exec(text);
  if (!m) return text;
  const [, sign, int, frac = '', exp = '0'] = m;
  let digits = `${int}${frac}`;
  let exponent = BigInt(exp) - BigInt(frac.length);
  const lead = digits.search(/[1-9]/);
  if (lead < 0) return '0';
  digits = digits.slice(lead);
  const trail = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - trail);
  exponent += BigInt(trail);
  return `${sign}${digits}e${exponent}`;
}

/**
 * Every number-like token that can start a JSON number (after `:`, `,`, `[`, whitespace or at the
 * start): a superset of the text's numbers (a digit run inside a string may match too, which only
 * costs the slow path).
 */
const NUMBER_TOKEN = /(?<=^|[:,[\s])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/**
 * True when every number in the JSON text prints back as written, so JSON.parse's result is
 * already exact (what parseJsonExact would give). Nearly every job file is such a text; checking
 * it is a regular-expression scan, far cheaper than parsing it a second time.
 */
export function numbersRoundTrip(text: string): boolean {
  for (const m of text.matchAll(NUMBER_TOKEN)) if (String(Number(m[0])) !== m[0]) return false;
  return true;
}

/** Parse JSON text (must be valid: callers parse it with JSON.parse first) keeping numbers exact. */
export function parseJsonExact(text: string): unknown {
  if (numbersRoundTrip(text)) return JSON.parse(text);
  let pos = 0;
  const ws = () => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
  };
  const string = (): string => {
    const start = pos;
    pos++;
    let escaped = false;
    // A bounds check, not `Number.isNaN(c)` per character: under jest's vm context that global
    // call is not inlined and made this loop ~40× slower (170 ms for a 600 KB script).
    const end = text.length;
    for (;;) {
      if (pos >= end) throw new SyntaxError(`unterminated string at ${start}`);
      const c = text.charCodeAt(pos);
      if (c === 0x5c) { escaped = true; pos += 2; continue; }
      pos++;
      if (c === 0x22) break;
    }
    const literal = text.slice(start, pos);
    return escaped ? (JSON.parse(literal) as string) : literal.slice(1, -1);
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const value = (): unknown => {
    ws();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[pos] === '}') { pos++; return obj; }
      for (;;) {
        ws();
        const key = string();
        ws();
        pos++; // ':'
        // Own property even for "__proto__" (as JSON.parse does); a plain store for every other
        // key keeps the object's fast shape (defineProperty on each key cost a third of the time).
        if (key === '__proto__') Object.defineProperty(obj, key, { value: value(), enumerable: true, writable: true, configurable: true });
        else obj[key] = value();
        ws();
        const sep = text[pos++];
        if (sep === '}') return obj;
        if (sep !== ',') throw new SyntaxError(`expected ',' or '}' at ${pos - 1}`);
      }
    }
    if (c === '[') {
      pos++;
      const arr: unknown[] = [];
      ws();
      if (text[pos] === ']') { pos++; return arr; }
      for (;;) {
        arr.push(value());
        ws();
        const sep = text[pos++];
        if (sep === ']') return arr;
        if (sep !== ',') throw new SyntaxError(`expected ',' or ']' at ${pos - 1}`);
      }
    }
    if (c === '"') return string();
    if (text.startsWith('true', pos)) { pos += 4; return true; }
    if (text.startsWith('false', pos)) { pos += 5; return false; }
    if (text.startsWith('null', pos)) { pos += 4; return null; }
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (!m || m[0].length === 0) throw new SyntaxError(`unexpected character at ${pos}`);
    pos += m[0].length;
    const written = m[0];
    const n = Number(written);
    return String(n) === written ? n : new JsonNumber(written);
  };
  const out = value();
  ws();
  if (pos !== text.length) throw new SyntaxError(`unexpected text after the JSON value at ${pos}`);
  return out;
}
