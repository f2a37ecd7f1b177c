/**
 * Shell-style name globs for `--match`: `*` (any run of characters), `?` (one character), `[abc]`,
 * `[a-z]` and `[!a-z]` (negated). Anchored at both ends and case-sensitive, like job names on the
 * service. An unclosed `[` is a literal.
 */

function escapeRegex(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

/** Translate one glob into an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*') {
      out += '.*';
    } else if (ch === '?') {
      out += '.';
    } else if (ch === '[') {
      const close = glob.indexOf(']', i + 2); // a ']' right after '[' (or '[!') is a member
      const closeAfterBang = glob[i + 1] === '!' ? glob.indexOf(']', i + 3) : close;
      const end = glob[i + 1] === '!' ? closeAfterBang : close;
      if (end === -1) {
        out += '\\[';
        continue;
      }
      const negated = glob[i + 1] === '!';
      const body = glob.slice(i + (negated ? 2 : 1), end);
      // Keep ranges (a-z); escape everything else that is special inside a class.
      const cls = body.replace(/[\\\]^[]/g, (c) => `\\${c}`);
      out += `[${negated ? '^' : ''}${cls}]`;
      i = end;
    } else {
      out += escapeRegex(ch);
    }
  }
  return new RegExp(`^${out}$`, 'su');
}

/** A predicate true when the name matches any of the patterns (union); no patterns → matches all. */
export function globMatcher(patterns: string[]): (name: string) => boolean {
  if (patterns.length === 0) return () => true;
  const res = patterns.map(globToRegExp);
  return (name) => res.some((re) => re.test(name));
}
