/**
 * The two kinds of size limits of an import. The service takes at most 10 MB zipped and 10 MB
 * unpacked per import (reference §15; IMPORT_LIMITS); a bigger archive is split into parts that
 * each fit. Reading is capped separately and more loosely, so an archive that needs splitting can
 * still be read while a bomb cannot: these read caps are (inferred).
 */
import { IMPORT_LIMITS, type ArchiveLimits } from '../archive/limits.js';

const MiB = 1024 * 1024;

/** Per staged part: what the service accepts. */
export const PART_LIMITS = { maxZipBytes: IMPORT_LIMITS.maxZipBytes, maxUnpackedBytes: IMPORT_LIMITS.maxUnpackedBytes } as const;

/**
 * (inferred) Caps for reading an archive that may be split: 100 MiB zipped, 256 MiB unpacked
 * (ten to twenty-five parts), 50,000 entries (10,000 jobs, the workspace export cap, with four
 * scripts or resources each). One entry can never be bigger than a part, and the ratio cap still
 * stops bombs.
 */
export const IMPORT_READ_LIMITS: ArchiveLimits = Object.freeze({
  maxZipBytes: 100 * MiB,
  maxUnpackedBytes: 256 * MiB,
  maxEntries: 50_000,
  maxEntryBytes: IMPORT_LIMITS.maxEntryBytes,
  maxCompressionRatio: IMPORT_LIMITS.maxCompressionRatio,
});
