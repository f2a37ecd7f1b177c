/**
 * Turning the archive read from the user into the zip(s) to stage: every entry passes through the
 * rewrites (time zone, environment map) into a repacked copy (the user's archive is never touched),
 * and an archive over the per-import limits is split into parts that each fit. A job always travels
 * with its companions (the scripts and resources it uses); a companion used by jobs in two parts
 * goes into both.
 */
import { join } from 'node:path';
import { DeterministicZipWriter, compareEntryNames, deflateEntry } from '../archive/zip-write.js';
import type { Refusal } from '../errors.js';
import { PART_LIMITS } from './limits.js';
import { rewriteEntries, type PackSource, type Rewrites } from '../rewrite/entries.js';

export interface PreparedPart {
  /** 0-based. */
  index: number;
  file: string;
  jobs: string[];
  entries: string[];
  zipBytes: number;
  unpackedBytes: number;
}

export interface Prepared {
  parts: PreparedPart[];
  /** Jobs that alone are over a limit: each one a refusal naming it. */
  oversize: Refusal[];
  /** How many expressionTimeZone fields the rewrite changed. */
  timeZoneChanges: number;
}

interface Limits {
  maxZipBytes: number;
  maxUnpackedBytes: number;
}

/** Zip bytes an entry adds: local header + name + its data as written, central header + name. */
function zippedCost(name: string, body: Buffer): number {
  const nameBytes = Buffer.byteLength(name, 'utf8');
  return 30 + nameBytes + body.length + 46 + nameBytes;
}
/** An entry's bytes as the writer writes them (an empty entry is stored). */
function bodyOf(data: Buffer): Buffer {
  return data.length === 0 ? data : deflateEntry(data);
}
/** End-of-central-directory record (no comment). */
const ZIP_TRAILER_BYTES = 22;

function totalUnpacked(names: Iterable<string>, data: Map<string, Buffer>): number {
  let n = 0;
  for (const name of names) n += data.get(name)!.length;
  return n;
}

/**
 * Group the entries into parts, in job order, first fit: each job with its companions, entries
 * that belong to no job (orphan scripts or resources) after the jobs. Exact zipped sizes come from
 * deflating each entry as the writer will (same level), so a part written is never over its limit.
 */
export function splitIntoParts(source: PackSource, data: Map<string, Buffer>, limits: Limits): { parts: { jobs: string[]; entries: Set<string> }[]; oversize: Refusal[]; bodies: Map<string, Buffer> } {
  // Each entry is deflated once, here: the writer is handed the same bytes (exact sizes, no second deflate).
  const bodies = new Map<string, Buffer>();
  const costOf = (name: string) => {
    let body = bodies.get(name);
    if (body === undefined) {
      body = bodyOf(data.get(name)!);
      bodies.set(name, body);
    }
    return zippedCost(name, body);
  };
  const owned = new Set<string>();
  const items: { job?: string; entries: string[] }[] = [];
  for (const job of source.jobs) {
    const entries = [...new Set([job.entry, ...job.companions])].filter((e) => data.has(e));
    entries.forEach((e) => owned.add(e));
    items.push({ job: job.name, entries });
  }
  for (const name of data.keys()) if (!owned.has(name)) items.push({ entries: [name] });

  const oversize: Refusal[] = [];
  const parts: { jobs: string[]; entries: Set<string>; zip: number; unpacked: number }[] = [];
  for (const item of items) {
    const alone = { zip: ZIP_TRAILER_BYTES + item.entries.reduce((s, e) => s + costOf(e), 0), unpacked: totalUnpacked(item.entries, data) };
    if (alone.zip > limits.maxZipBytes || alone.unpacked > limits.maxUnpackedBytes) {
      const subject = item.job ?? item.entries[0]!;
      oversize.push({
        subject,
        reason: `${item.job ? 'the job with its scripts and resources' : 'this entry'} alone is ${alone.zip} bytes zipped and ${alone.unpacked} bytes unpacked; one import takes at most ${limits.maxZipBytes} zipped and ${limits.maxUnpackedBytes} unpacked`,
      });
      continue;
    }
    let placed = false;
    for (const part of parts) {
      const added = item.entries.filter((e) => !part.entries.has(e));
      const zip = part.zip + added.reduce((s, e) => s + costOf(e), 0);
      const unpacked = part.unpacked + totalUnpacked(added, data);
      if (zip <= limits.maxZipBytes && unpacked <= limits.maxUnpackedBytes) {
        added.forEach((e) => part.entries.add(e));
        if (item.job) part.jobs.push(item.job);
        part.zip = zip;
        part.unpacked = unpacked;
        placed = true;
        break;
      }
    }
    if (!placed) parts.push({ jobs: item.job ? [item.job] : [], entries: new Set(item.entries), zip: alone.zip, unpacked: alone.unpacked });
  }
  return { parts, oversize, bodies };
}

async function writePart(file: string, names: Iterable<string>, data: Map<string, Buffer>, bodies?: Map<string, Buffer>): Promise<number> {
  const writer = DeterministicZipWriter.open(file);
  try {
    for (const name of [...names].sort(compareEntryNames)) writer.add(name, data.get(name)!, bodies?.get(name));
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return (await writer.finish()).bytes;
}

/**
 * Rewrite, then write one zip when everything fits, else the parts. Files go into workDir (the
 * caller's temp directory, removed with it).
 */
export async function prepareParts(source: PackSource, rewrites: Rewrites, workDir: string, limits: Limits = PART_LIMITS): Promise<Prepared> {
  const { data, timeZoneChanges } = rewriteEntries(source, rewrites);
  const allNames = [...data.keys()];
  const unpacked = totalUnpacked(allNames, data);
  if (unpacked <= limits.maxUnpackedBytes) {
    const file = join(workDir, 'import.zip');
    const zipBytes = await writePart(file, allNames, data);
    if (zipBytes <= limits.maxZipBytes) {
      const part = { index: 0, file, jobs: source.jobs.map((j) => j.name), entries: allNames.sort(compareEntryNames), zipBytes, unpackedBytes: unpacked };
      return { parts: [part], oversize: [], timeZoneChanges };
    }
  }
  const split = splitIntoParts(source, data, limits);
  if (split.oversize.length > 0) return { parts: [], oversize: split.oversize, timeZoneChanges };
  const parts: PreparedPart[] = [];
  // Each entry's deflated bytes are let go once the last part that carries it is written.
  const lastPart = new Map<string, number>();
  split.parts.forEach((group, index) => group.entries.forEach((e) => lastPart.set(e, index)));
  for (const [index, group] of split.parts.entries()) {
    const file = join(workDir, `import-part${index + 1}.zip`);
    const zipBytes = await writePart(file, group.entries, data, split.bodies);
    for (const e of group.entries) if (lastPart.get(e) === index) split.bodies.delete(e);
    if (zipBytes > limits.maxZipBytes) {
      // The estimate is exact by construction; this guards the invariant rather than a known case.
      throw new Error(`part ${index + 1} came out at ${zipBytes} bytes, over the ${limits.maxZipBytes}-byte limit`);
    }
    const entries = [...group.entries].sort(compareEntryNames);
    parts.push({ index, file, jobs: group.jobs, entries, zipBytes, unpackedBytes: totalUnpacked(entries, data) });
  }
  return { parts, oversize: [], timeZoneChanges };
}
