/**
 * Position-preserving edits of JSON text: only the string literals that an edit changes are
 * re-encoded; whitespace, key order, number spelling (big integers, 1.0, 1e5) and every other
 * byte stay exactly as they were. JSON.parse + JSON.stringify would lose all of that.
 */

export type JsonPath = (string | number)[];
export interface JsonStringChange { path: JsonPath; from: string; to: string }

/**
 * Walks `text` (must be valid JSON, else SyntaxError naming the offset) and calls `edit` for every
 * string VALUE (object keys are not values) with its path and decoded value. When edit returns a
 * string different from the value, that literal is replaced by JSON.stringify(newValue).
 */
export function editJsonStrings(
  text: string,
  edit: (path: JsonPath, value: string) => string | undefined,
): { text: string; changes: JsonStringChange[] } {
  const walker = new JsonWalker(text, edit);
  walker.skipWhitespace();
  walker.value();
  walker.skipWhitespace();
  if (walker.pos !== text.length) walker.fail('unexpected text after the JSON value');
  if (walker.changes.length === 0) return { text, changes: [] };
  walker.pieces.push(text.slice(walker.copiedUpTo));
  return { text: walker.pieces.join(''), changes: walker.changes };
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class JsonWalker {
  pos = 0;
  readonly path: JsonPath = [];
  readonly changes: JsonStringChange[] = [];
  readonly pieces: string[] = [];
  copiedUpTo = 0;

  constructor(
    private readonly text: string,
    private readonly edit: (path: JsonPath, value: string) => string | undefined,
  ) {}

  fail(reason: string): never {
    throw new SyntaxError(`invalid JSON at offset ${this.pos}: ${reason}`);
  }

  skipWhitespace(): void {
    const t = this.text;
    let p = this.pos;
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p += 1;
      else break;
    }
    this.pos = p;
  }

  value(): void {
    const c = this.text.charCodeAt(this.pos);
    if (c === 0x7b) return this.object();
    if (c === 0x5b) return this.array();
    if (c === 0x22) return this.stringValue();
    if (c === 0x74) return this.literal('true');
    if (c === 0x66) return this.literal('false');
    if (c === 0x6e) return this.literal('null');
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (m === null || m[0].length === 0) this.fail(Number.isNaN(c) ? 'unexpected end of text' : `unexpected character ${JSON.stringify(this.text[this.pos])}`);
    this.pos += m[0].length;
  }

  private literal(word: string): void {
    if (!this.text.startsWith(word, this.pos)) this.fail(`expected ${word}`);
    this.pos += word.length;
  }

  private object(): void {
    this.pos += 1;
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 0x7d) { this.pos += 1; return; }
    for (;;) {
      if (this.text.charCodeAt(this.pos) !== 0x22) this.fail('expected a string key');
      const key = this.decode(this.pos, this.scanString());
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== 0x3a) this.fail("expected ':'");
      this.pos += 1;
      this.skipWhitespace();
      this.path.push(key);
      this.value();
      this.path.pop();
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos);
      this.pos += 1;
      if (c === 0x7d) return;
      if (c !== 0x2c) { this.pos -= 1; this.fail("expected ',' or '}'"); }
      this.skipWhitespace();
    }
  }

  private array(): void {
    this.pos += 1;
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 0x5d) { this.pos += 1; return; }
    for (let index = 0; ; index += 1) {
      this.path.push(index);
      this.value();
      this.path.pop();
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos);
      this.pos += 1;
      if (c === 0x5d) return;
      if (c !== 0x2c) { this.pos -= 1; this.fail("expected ',' or ']'"); }
      this.skipWhitespace();
    }
  }

  private stringValue(): void {
    const start = this.pos;
    const end = this.scanString();
    const value = this.decode(start, end);
    const replacement = this.edit(this.path.slice(), value);
    if (replacement === undefined || replacement === value) return;
    this.pieces.push(this.text.slice(this.copiedUpTo, start), JSON.stringify(replacement));
    this.copiedUpTo = end;
    this.changes.push({ path: this.path.slice(), from: value, to: replacement });
  }

  /** Moves past the string literal at pos (which is a '"'); returns the offset after it. */
  private scanString(): number {
    const t = this.text;
    let p = this.pos + 1;
    const end = t.length;
    for (;;) {
      // A bounds check, not `Number.isNaN(c)`: per character that call is slow where it is not inlined.
      if (p >= end) { this.pos = p; this.fail('unterminated string'); }
      const c = t.charCodeAt(p);
      if (c === 0x22) break;
      if (c === 0x5c) {
        const e = t.charCodeAt(p + 1);
        if (e === 0x75) {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(p + 2, p + 6))) { this.pos = p; this.fail('bad \\u escape'); }
          p += 6;
        } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
          p += 2;
        } else { this.pos = p; this.fail('bad escape'); }
        continue;
      }
      if (c < 0x20) { this.pos = p; this.fail('control character in string'); }
      p += 1;
    }
    this.pos = p + 1;
    return this.pos;
  }

  private decode(start: number, end: number): string {
    const inner = this.text.slice(start + 1, end - 1);
    return inner.includes('\\') ? (JSON.parse(this.text.slice(start, end)) as string) : inner;
  }
}
