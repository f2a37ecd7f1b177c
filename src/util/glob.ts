/**
 * Shell-style name globs for `--match`: `*` (any run of characters), `?` (one character), `[abc]`,
 * `[a-z]` and `[!a-z]` (negated). Anchored at both ends and case-sensitive, like job names on the
 * service. A pattern that cannot mean anything (an unclosed `[`, a reversed range `[z-a]`) is a
 * usage error naming it, found when the flag is parsed, before any request.
 */
import { UsageError } from '../errors.js';

/** Why a glob is malformed, or undefined when it is fine. */
export function globProblem(glob: string): string | undefined {
  for (let i = 0; i < glob.length; i++) {
    if (glob[i] !== '[') continue;
    const start = i + (glob[i + 1] === '!' ? 2 : 1);
    const end = glob.indexOf(']', start + 1); // a ']' right after '[' (or '[!') is a member
    if (end === -1) return "'[' is not closed by ']'";
    const body = glob.slice(start, end);
    for (let j = 1; j + 1 < body.length; j++) {
      if (body[j] !== '-') continue;
      const from = body.codePointAt(j - 1)!;
      const to = body.codePointAt(j + 1)!;
      if (from > to) return `the range '${body.slice(j - 1, j + 2)}' is reversed`;
      j += 1;
    }
    i = end;
  }
  return undefined;
}

/** The glob itself, or a UsageError naming it and what is wrong (for flag parsers and runners). */
export function checkedGlob(glob: string, flag = '--match'): string {
  const problem = globProblem(glob);
  if (problem) throw new UsageError(`${flag} '${glob}' is not a valid pattern: ${problem}`, { hint: "Globs use * ? [abc] [a-z] [!a-z]; quote them for the shell, e.g. --match 'etl_*'." });
  return glob;
}

function escapeRegex(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

/** Translate one glob into an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  checkedGlob(glob);
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
