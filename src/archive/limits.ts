/**
 * Caps applied while reading archives. Every cap is checked while bytes are inflated, never
 * trusted from zip headers alone (see zip-read.ts).
 */

export interface ArchiveLimits {
  /** Size of the zip file itself. */
  maxZipBytes: number;
  /** Sum of all entries' inflated sizes. */
  maxUnpackedBytes: number;
  /** Number of entries in the central directory (directories included). */
  maxEntries: number;
  /** Inflated size of any one entry. */
  maxEntryBytes: number;
  /**
   * Inflated ÷ compressed size of one entry, checked once an entry has inflated past
   * RATIO_CHECK_MIN_BYTES (tiny entries legitimately have huge ratios).
   */
  maxCompressionRatio: number;
}

const MiB = 1024 * 1024;

/** Entries smaller than this are never judged by their compression ratio. */
export const RATIO_CHECK_MIN_BYTES = 1 * MiB;

/**
 * Import: reference §15 says an OBS import file is at most 10 MB and at most 10 MB after
 * decompression. MB read as MiB (inferred). 20,000 entries is twice the 10,000-job workspace cap
 * (inferred); 500:1 is far above what JSON job/script text deflates to in practice (inferred).
 */
export const IMPORT_LIMITS: ArchiveLimits = Object.freeze({
  maxZipBytes: 10 * MiB,
  maxUnpackedBytes: 10 * MiB,
  maxEntries: 20_000,
  maxEntryBytes: 10 * MiB,
  maxCompressionRatio: 500,
});

/**
 * Batch zips returned by the service's batch export (≤100 jobs each). No 10 MB cap applies, but
 * they are still bounded so a broken or hostile service cannot exhaust disk or memory (inferred):
 * scripts are ≤4 MB each (reference §10), so 100 jobs with a few scripts fit easily.
 */
export const EXPORT_BATCH_LIMITS: ArchiveLimits = Object.freeze({
  maxZipBytes: 1024 * MiB,
  maxUnpackedBytes: 2048 * MiB,
  maxEntries: 100_000,
  maxEntryBytes: 64 * MiB,
  maxCompressionRatio: 1000,
});
