/**
 * Lists of names in text output at any size: the first few named, the rest counted, so a line
 * about 60 or 2,500 jobs stays readable (the full list is in --json and --verbose).
 */

/** "a, b, c, d, e and 55 more" (everything when there are at most `few`). */
export function namedFew(names: readonly string[], few = 5): string {
  return names.length <= few ? names.join(', ') : `${names.slice(0, few).join(', ')} and ${names.length - few} more`;
}
