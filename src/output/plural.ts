/** "1 job", "2 jobs", "0 jobs": a count with its noun, singular only for exactly one. */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
