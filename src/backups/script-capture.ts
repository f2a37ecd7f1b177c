/**
 * A night's scripts: which changed since the run before (by content hash, script-list.ts), and the
 * captured ones written as a single-layout zip (`scripts/{name}.script`, the layout `jobs import`
 * reads) beside the run's archive: `{archive}.scripts.zip`. A batch-layout archive cannot hold a
 * script without its job (reference §3), so a script that changed alone needs a file of its own.
 * Deterministic (sorted entries, fixed times), staged and committed like every output.
 *
 * Scripts are taken in as the list's pages arrive (the list carries their content, reference §20):
 * each is hashed, a captured one's `.script` file goes to a spill file on disk (script-spill.ts)
 * and the listed definition is cut down to its name, so no script's content outlives its page.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { CommandContext } from '../context.js';
import type { CleanupRegistry } from '../util/cleanup.js';
import { LocalFileError, RefusedError } from '../errors.js';
import { zipOutput } from '../export/archive-output.js';
import { commitPath, createStagingDir, type StagingDir } from '../util/atomic.js';
import { scriptHash, withoutId, type ScriptHashes } from './script-list.js';
import { ScriptSpill } from './script-spill.js';
import { baseName, isObsLocation, type Location } from './location.js';
import type { BackupAccess } from './open-state.js';

export interface ScriptChanges {
  /** Every script listed tonight → hash. */
  listed: ScriptHashes;
  added: string[];
  changed: string[];
  deleted: string[];
}

/** Tonight's scripts as the listing hands them over: their hashes and the spilled captures. */
export interface ScriptIntake {
  /** The list at the run before (name → hash). */
  before: ScriptHashes;
  /** Every script listed so far → hash, in list order. */
  hashes: ScriptHashes;
  /** The `onPage` of the scripts listing. */
  onPage: (scripts: Record<string, unknown>[]) => void;
  /** The `.script` files to capture (added or changed; all of them on a full night). */
  spill: ScriptSpill;
  /** Close and remove the spill. Idempotent. */
  dispose(): Promise<void>;
}

/**
 * Where tonight's scripts are taken in: a staging directory beside the capture's location (local),
 * or in the run's scratch space (OBS). Both are the tool's own temporary names, removed when the
 * run ends or fails, and by a later run if this one is killed. `archive`: where the job archive is
 * or would be.
 */
export async function openScriptIntake(
  ctx: CommandContext,
  access: BackupAccess,
  req: { before: ScriptHashes; full: boolean; archive: Location },
): Promise<ScriptIntake> {
  const location = scriptArchivePathFor(req.archive);
  const beside = isObsLocation(location) ? (await access.scratch()).path(baseName(location)) : location;
  // A failure to write the spill names the capture's own path (a local one), else the scratch file.
  const named = isObsLocation(location) ? undefined : path.resolve(location);
  let staging: StagingDir | undefined;
  let spill: ScriptSpill;
  try {
    staging = await createStagingDir(beside, ctx.deps.cleanup);
    spill = ScriptSpill.open(staging.path('scripts.spill'));
  } catch (err) {
    await staging?.dispose();
    throw LocalFileError.from(err, 'write', named ?? path.resolve(beside));
  }
  const hashes: ScriptHashes = new Map();
  const onPage = (scripts: Record<string, unknown>[]) => {
    for (const d of scripts) {
      const name = String(d.name);
      const hash = scriptHash(d);
      hashes.set(name, hash);
      if (req.full || req.before.get(name) !== hash) {
        try {
          spill.add(name, scriptFileText(d));
        } catch (err) {
          throw LocalFileError.from(err, 'write', named ?? spill.file);
        }
      }
      // Hashed (and spilled): the listing keeps only the name (its duplicate check).
      for (const key of Object.keys(d)) if (key !== 'name') delete d[key];
    }
  };
  return {
    before: req.before,
    hashes,
    onPage,
    spill,
    dispose: async () => {
      spill.close();
      await staging!.dispose();
    },
  };
}

/** Compare tonight's list (in list order) with the list at the run before. */
export function scriptChanges(listed: ScriptHashes, before: ScriptHashes): ScriptChanges {
  const added: string[] = [];
  const changed: string[] = [];
  for (const [name, hash] of listed) {
    const old = before.get(name);
    if (old === undefined) added.push(name);
    else if (old !== hash) changed.push(name);
  }
  const deleted = [...before.keys()].filter((n) => !listed.has(n)).sort();
  return { listed, added: added.sort(), changed: changed.sort(), deleted };
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
 * Tonight's changed scripts (the intake's spill, once the listing is complete) written beside the
 * run's archive location (`archive` is where the job archive is or would be): a local file, or in
 * OBS built in scratch space and streamed up with its sha256 in the object's metadata (as the
 * archives are, so the same checks apply). The spill is removed either way.
 */
export async function captureScripts(
  ctx: CommandContext,
  access: BackupAccess,
  req: { intake: ScriptIntake; archive: Location; stateFile: Location },
): Promise<CapturedScripts> {
  const { intake } = req;
  try {
    const comment = `${COMMENT_PREFIX}${req.stateFile}`;
    const changes = scriptChanges(intake.hashes, intake.before);
    if (intake.spill.count === 0) return { changes, keep: () => undefined };
    const location = scriptArchivePathFor(req.archive);
    if (!isObsLocation(location)) {
      let keep = () => undefined as void;
      const written = await writeScriptArchive(location, intake.spill, {
        cleanup: ctx.deps.cleanup,
        comment,
        // Registered before the commit: an interrupt right after it still removes the capture.
        beforeCommit: () => (keep = ctx.deps.cleanup.add(() => fs.rm(location, { force: true }))),
        commitRefused: () => keep(),
      });
      return { changes, written, keep: () => keep() };
    }
    // Never over an object already there (a PUT would replace it: another night's capture).
    if (await access.repo.head(location)) {
      throw new RefusedError(`${location} already exists; it was left untouched`, [{ subject: location, reason: 'already exists' }], { hint: 'Run the night again: it picks another name.' });
    }
    const scratch = await access.scratch();
    const local = await writeScriptArchive(scratch.path(baseName(location)), intake.spill, { cleanup: ctx.deps.cleanup, comment });
    const keep = ctx.deps.cleanup.add(() => access.repo.remove(location, { duringCleanup: true }));
    const { md5 } = await access.repo.upload(location, local.path, { contentType: 'application/zip', meta: { sha256: local.sha256, writer: 'dataarts' } });
    return { changes, written: { ...local, path: location, md5 }, keep };
  } finally {
    await intake.dispose();
  }
}

async function writeScriptArchive(
  file: string,
  spill: ScriptSpill,
  hooks: { cleanup: CleanupRegistry; comment: string; beforeCommit?: () => void; commitRefused?: () => void },
): Promise<{ path: string; sha256: string; bytes: number; scripts: number }> {
  const { cleanup } = hooks;
  const staging = await createStagingDir(file, cleanup);
  try {
    const builder = zipOutput(staging.path('scripts.zip'), hooks.comment);
    // One script in memory at a time, read back from the spill in archive order.
    for (const name of spill.sortedNames()) await builder.sink.add(`scripts/${name}.script`, spill.read(name));
    const written = await builder.finish([]);
    hooks.beforeCommit?.();
    // Never over an existing file: one that was there is not ours to remove either.
    await commitPath(staging.path('scripts.zip'), file, { force: false }).catch((err: unknown) => {
      hooks.commitRefused?.();
      throw err;
    });
    return { path: file, sha256: written.sha256, bytes: written.bytes, scripts: spill.count };
  } catch (err) {
    throw LocalFileError.from(err, 'write', path.resolve(file));
  } finally {
    await staging.dispose();
  }
}
