/**
 * A night's scripts: which changed since the run before (by content hash, script-list.ts), and the
 * captured ones written as a single-layout zip (`scripts/{name}.script`, the layout `jobs import`
 * reads) beside the run's archive: `{archive}.scripts.zip`. A batch-layout archive cannot hold a
 * script without its job (reference §3), so a script that changed alone needs a file of its own.
 * Deterministic (sorted entries, fixed times), staged and committed like every output.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { CommandContext } from '../context.js';
import type { CleanupRegistry } from '../util/cleanup.js';
import { LocalFileError } from '../errors.js';
import { compareEntryNames } from '../archive/zip-write.js';
import { zipOutput } from '../export/archive-output.js';
import { commitPath, createStagingDir } from '../util/atomic.js';
import { scriptHash, withoutId, type ScriptHashes } from './script-list.js';
import { baseName, isObsLocation, type Location } from './location.js';
import type { BackupAccess } from './open-state.js';

export interface ScriptChanges {
  /** Every script listed tonight → hash. */
  listed: ScriptHashes;
  /** Definitions to capture (added or changed; all of them on a full run), by name. */
  capture: Record<string, unknown>[];
  added: string[];
  changed: string[];
  deleted: string[];
}

/**
 * Hashes scripts as their pages come in (the listing is paced at the API's rate, so this CPU work
 * fits in its waits instead of following it: ~10,000 hashes take ~0.3–0.9 s).
 */
export function hashAsListed(previous: { before: ScriptHashes; full: boolean }): { hashes: ScriptHashes; onPage: (scripts: Record<string, unknown>[]) => void } {
  const hashes: ScriptHashes = new Map();
  const onPage = (scripts: Record<string, unknown>[]) => {
    for (const d of scripts) {
      const name = String(d.name);
      const hash = scriptHash(d);
      hashes.set(name, hash);
      // An unchanged script is not captured: its content (up to 64 KB each) need not stay in
      // memory until the listing ends.
      if (!previous.full && previous.before.get(name) === hash) delete d.content;
    }
  };
  return { hashes, onPage };
}

/** Compare tonight's list with the list at the run before (`full`: capture every script); `hashes` already computed, if any. */
export function scriptChanges(definitions: Record<string, unknown>[], before: ScriptHashes, full: boolean, hashes?: ScriptHashes): ScriptChanges {
  const listed: ScriptHashes = new Map();
  const capture: Record<string, unknown>[] = [];
  const added: string[] = [];
  const changed: string[] = [];
  for (const d of definitions) {
    const name = String(d.name);
    const hash = hashes?.get(name) ?? scriptHash(d);
    listed.set(name, hash);
    const old = before.get(name);
    if (old === undefined) added.push(name);
    else if (old !== hash) changed.push(name);
    if (full || old !== hash) capture.push(d);
  }
  const deleted = [...before.keys()].filter((n) => !listed.has(n)).sort();
  return { listed, capture, added: added.sort(), changed: changed.sort(), deleted };
}

/**
 * The zip comment of a capture names the state file of its run: a run that dies between writing
 * the capture and recording it leaves a capture the next run on that state removes (unrecorded.ts).
 */
const COMMENT_PREFIX = 'dataarts backup scripts of the state ';

/** The state file a capture's bytes name in their zip comment, if it is one of ours. */
export function captureStateFile(zip: Buffer): string | undefined {
  // End of central directory: signature, …, comment length at +20, the comment at +22 (the comment
  // is at most 65,535 bytes, so the record is in the last 65,557).
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) !== 0x06054b50) continue;
    const text = zip.subarray(i + 22, i + 22 + zip.readUInt16LE(i + 20)).toString('utf8');
    return text.startsWith(COMMENT_PREFIX) ? text.slice(COMMENT_PREFIX.length) : undefined;
  }
  return undefined;
}

/** `b/x.zip` → `b/x.scripts.zip`; a `--layout dir` tree `b/x` → `b/x.scripts.zip` (also for obs:// locations). */
export function scriptArchivePathFor(archive: Location): Location {
  return `${archive.replace(/\.zip$/i, '')}.scripts.zip`;
}

/** The bytes of a captured `.script` file (the definition as listed, less the service's id). */
export function scriptFileText(definition: Record<string, unknown>): Buffer {
  return Buffer.from(`${JSON.stringify(withoutId(definition), null, 2)}\n`, 'utf8');
}

export interface CapturedScripts {
  changes: ScriptChanges;
  /** The capture written tonight, if any script changed. */
  written?: { path: Location; sha256: string; bytes: number; scripts: number; md5?: string };
  /** The run is recorded: the capture stays (until then a failure or interrupt removes it). */
  keep(): void;
}

/**
 * Tonight's changed scripts written beside the run's archive location (`archive` is where the job
 * archive is or would be): a local file, or in OBS built in scratch space and streamed up with its
 * sha256 in the object's metadata (as the archives are, so the same checks apply).
 */
export async function captureScripts(
  ctx: CommandContext,
  access: BackupAccess,
  req: { definitions: Record<string, unknown>[]; hashes?: ScriptHashes; before: ScriptHashes; full: boolean; archive: Location; stateFile: Location },
): Promise<CapturedScripts> {
  const comment = `${COMMENT_PREFIX}${req.stateFile}`;
  const changes = scriptChanges(req.definitions, req.before, req.full, req.hashes);
  if (changes.capture.length === 0) return { changes, keep: () => undefined };
  const location = scriptArchivePathFor(req.archive);
  if (!isObsLocation(location)) {
    let keep = () => undefined as void;
    const written = await writeScriptArchive(location, changes.capture, {
      cleanup: ctx.deps.cleanup,
      comment,
      // Registered before the commit: an interrupt right after it still removes the capture.
      beforeCommit: () => (keep = ctx.deps.cleanup.add(() => fs.rm(location, { force: true }))),
      commitRefused: () => keep(),
    });
    return { changes, written, keep: () => keep() };
  }
  const scratch = await access.scratch();
  const local = await writeScriptArchive(scratch.path(baseName(location)), changes.capture, { cleanup: ctx.deps.cleanup, comment });
  const keep = ctx.deps.cleanup.add(() => access.repo.remove(location, { duringCleanup: true }));
  const { md5 } = await access.repo.upload(location, local.path, { contentType: 'application/zip', meta: { sha256: local.sha256, writer: 'dataarts' } });
  return { changes, written: { ...local, path: location, md5 }, keep };
}

async function writeScriptArchive(
  file: string,
  definitions: Record<string, unknown>[],
  hooks: { cleanup: CleanupRegistry; comment: string; beforeCommit?: () => void; commitRefused?: () => void },
): Promise<{ path: string; sha256: string; bytes: number; scripts: number }> {
  const { cleanup } = hooks;
  const entries = definitions
    .map((d) => ({ name: `scripts/${String(d.name)}.script`, data: scriptFileText(d) }))
    .sort((a, b) => compareEntryNames(a.name, b.name));
  const staging = await createStagingDir(file, cleanup);
  try {
    const builder = zipOutput(staging.path('scripts.zip'), hooks.comment);
    for (const e of entries) await builder.sink.add(e.name, e.data);
    const written = await builder.finish([]);
    hooks.beforeCommit?.();
    // Never over an existing file: one that was there is not ours to remove either.
    await commitPath(staging.path('scripts.zip'), file, { force: false }).catch((err: unknown) => {
      hooks.commitRefused?.();
      throw err;
    });
    return { path: file, sha256: written.sha256, bytes: written.bytes, scripts: entries.length };
  } catch (err) {
    throw LocalFileError.from(err, 'write', path.resolve(file));
  } finally {
    await staging.dispose();
  }
}
