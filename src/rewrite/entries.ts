/**
 * The rewrites an import makes to every entry before staging (time zone, environment map), shared
 * by `jobs import` (what is staged) and `jobs diff` (what is compared): one module below both, so
 * neither src/import/ nor src/compare/ imports the other back.
 */
import { expressionTimeZoneRewriter } from '../archive/timezone.js';

export interface PackJob {
  name: string;
  /** The job's own entry. */
  entry: string;
  /** Entries that must travel with it (its scripts and resources). */
  companions: string[];
}

export interface PackSource {
  jobs: PackJob[];
  /**
   * `rewriteAs`: the entry whose rewrite applies to this one. The batch layout repeats a script
   * in every job folder that uses it (identical bytes, checked by the reader), while the
   * environment map plans edits for one copy: every copy must come out the same.
   */
  entries: { name: string; data: Buffer; rewriteAs?: string }[];
}

export interface Rewrites {
  /** Normalised zone for every expressionTimeZone of the .job entries. */
  timeZone?: string;
  /** The environment map's rewrite of any entry (src/refs). */
  rewriteEntry?: (entry: string, data: Buffer) => Buffer;
}

/** Rewrite every entry once (the same bytes go into every part that carries it). */
export function rewriteEntries(source: PackSource, rewrites: Rewrites): { data: Map<string, Buffer>; timeZoneChanges: number } {
  const data = new Map<string, Buffer>();
  let timeZoneChanges = 0;
  // Validate the zone once, not once per job file (an IANA check through Intl costs ~50 µs).
  const rewriteZone = rewrites.timeZone === undefined ? undefined : expressionTimeZoneRewriter(rewrites.timeZone);
  for (const entry of source.entries) {
    let bytes = entry.data;
    if (rewriteZone !== undefined && entry.name.endsWith('.job')) {
      const { text, changed } = rewriteZone(bytes.toString('utf8'));
      if (changed > 0) bytes = Buffer.from(text, 'utf8');
      timeZoneChanges += changed;
    }
    if (rewrites.rewriteEntry) bytes = rewrites.rewriteEntry(entry.rewriteAs ?? entry.name, bytes);
    data.set(entry.name, bytes);
  }
  return { data, timeZoneChanges };
}

