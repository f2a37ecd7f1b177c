/**
 * `dataarts archive show ARCHIVE`: what an archive (zip or directory, either layout) holds, without
 * contacting the service; with `{archive}.manifest.json` beside it, whether the archive and every
 * entry still match their sha256 (`verified`, or exit 4 naming the damaged entries).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { CommandContext } from '../context.js';
import { ArchiveError, RefusedError } from '../errors.js';
import { buildModel, readArchiveEntries } from '../archive/model.js';
import { EXPORT_BATCH_LIMITS } from '../archive/limits.js';
import type { ZipEntryData } from '../archive/zip-read.js';
import { checkAgainstManifest, readManifestFor, type ManifestCheck } from '../inspect/manifest-check.js';
import { summarize } from '../inspect/summary.js';
import { count } from '../output/plural.js';
import { formatTable, printJson, printLines } from '../output/render.js';
import { loadSecretsPolicy } from '../secrets/baseline.js';
import { scanEntries, type SecretFinding } from '../secrets/scan.js';
import { subjectOf } from '../secrets/policy.js';

export interface ArchiveShowOptions {
  archive: string;
  /** Also list the secrets it holds (never their values). */
  secrets?: boolean;
  /** Leave out accepted fingerprints (implies --secrets). */
  secretsBaseline?: string;
}

/** Exports are not capped at the import's 10 MB; inspecting one must not be either. */
const SHOW_LIMITS = EXPORT_BATCH_LIMITS;

export async function runArchiveShow(ctx: CommandContext, opts: ArchiveShowOptions): Promise<number> {
  const wantSecrets = opts.secrets === true || opts.secretsBaseline !== undefined;
  const baseline = (await loadSecretsPolicy(ctx.deps.cwd, opts)).baseline;
  // Read relative to the run's working directory (tests run commands in-process, side by side);
  // messages keep the path as typed.
  const file = path.resolve(ctx.deps.cwd, opts.archive);
  await refuseDirectoryOfArchives(file, opts.archive);
  const manifest = await readManifestFor(file);
  let read: { files: ZipEntryData[]; zipBytes?: number } | undefined;
  try {
    read = await readArchiveEntries(file, SHOW_LIMITS);
  } catch (err) {
    // A damaged zip (CRC mismatch …) with a manifest beside it is reported as a failed check.
    if (!(err instanceof ArchiveError) || !manifest) throw err;
    const check = await checkAgainstManifest(file, manifest, {
      zipFile: file,
      unreadable: err.refusals.map((r) => ({ entry: r.subject, reason: r.reason })),
    });
    if (ctx.globals.json) await printJson(ctx.deps.io.stdout, { archive: opts.archive, manifest: check });
    throw damaged(opts.archive, check);
  }
  const check = manifest
    ? await checkAgainstManifest(file, manifest, { files: read.files, ...(read.zipBytes === undefined ? {} : { zipFile: file }) })
    : undefined;
  let summary: ReturnType<typeof summarize>;
  try {
    summary = summarize(buildModel(opts.archive, read.files, read.zipBytes));
  } catch (err) {
    // An entry changed into something unreadable: the manifest check names it; that is the answer.
    if (!(err instanceof ArchiveError) || check?.status !== 'damaged') throw err;
    if (ctx.globals.json) await printJson(ctx.deps.io.stdout, { archive: opts.archive, manifest: check });
    throw damaged(opts.archive, check);
  }
  const format = read.zipBytes === undefined ? 'dir' : 'zip';
  const found = wantSecrets ? scanEntries(read.files) : [];
  const secrets = baseline ? found.filter((f) => !baseline.has(f.fingerprint)) : found;
  const secretsPart = wantSecrets ? { secrets, secretsAccepted: found.length - secrets.length } : {};

  if (ctx.globals.json) {
    await printJson(ctx.deps.io.stdout, { archive: opts.archive, format, ...(read.zipBytes === undefined ? {} : { bytes: read.zipBytes }), ...summary, manifest: check ?? null, ...secretsPart });
  } else {
    const head = `${opts.archive}: ${format}, ${summary.layout} layout, ${count(summary.jobs.length, 'job')}, ${count(summary.scripts, 'script')}, ${count(summary.resources, 'resource')}, ${count(summary.entries, 'entry', 'entries')}${read.zipBytes === undefined ? '' : `, ${read.zipBytes} bytes`}`;
    const list = (names: string[], missing: string[]) => [...names, ...missing.map((n) => `${n} (not in archive)`)].join(', ') || '-';
    const rows = summary.jobs.map((j) => [j.name, j.jobType, String(j.nodes), list(j.scripts, j.missingScripts), list(j.resources, j.missingResources)]);
    const lines = [head, '', ...formatTable(['JOB', 'TYPE', 'NODES', 'SCRIPTS', 'RESOURCES'], rows)];
    if (summary.looseScripts.length > 0) lines.push('', `loose scripts (no job carries them): ${summary.looseScripts.join(', ')}`);
    if (summary.looseResources.length > 0) lines.push('', `loose resources (no job carries them): ${summary.looseResources.join(', ')}`);
    if (wantSecrets) lines.push('', ...secretLines(secrets, found.length - secrets.length));
    if (check) lines.push('', check.status === 'verified' ? `verified: the archive and its ${count(check.entries, 'entry', 'entries')} match ${check.path}` : `DAMAGED: ${count(check.problems.length, 'problem')} against ${check.path}`);
    await printLines(ctx.deps.io.stdout, lines);
  }
  if (!check) ctx.ui.info(`no manifest beside it (${opts.archive}.manifest.json): contents not verified`);
  if (check && check.status === 'damaged') throw damaged(opts.archive, check);
  return 0;
}

/** The findings as a table (values never shown), or that there are none. */
function secretLines(secrets: SecretFinding[], accepted: number): string[] {
  const acceptedNote = accepted > 0 ? ` (${accepted} more accepted by the baseline)` : '';
  if (secrets.length === 0) return [`secrets: none found${acceptedNote}`];
  const rows = secrets.map((f) => [subjectOf(f.file), f.path, f.kind, f.fingerprint]);
  return [`secrets: ${count(secrets.length, 'finding')}${acceptedNote}; values not shown`, ...formatTable(['IN', 'PATH', 'KIND', 'FINGERPRINT'], rows)];
}

/**
 * A backup directory (zips beside their manifests, a state file) is not an archive: say so and
 * name one to show, instead of refusing each file as an "unexpected entry".
 */
async function refuseDirectoryOfArchives(dir: string, archive: string): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => undefined);
  if (!entries || entries.some((e) => e.isDirectory() && ['jobs', 'scripts', 'resources'].includes(e.name))) return;
  const zips = entries.filter((e) => e.isFile() && e.name.endsWith('.zip')).map((e) => e.name).sort();
  if (zips.length === 0) return;
  const newest = path.join(archive, zips[zips.length - 1]!);
  throw new RefusedError(`${archive} is a directory of ${count(zips.length, 'archive')}, not an archive`, [{ subject: archive, reason: 'a directory of archives, not an archive' }], {
    hint: `Show one of them: dataarts archive show ${newest}${entries.some((e) => e.name === 'state.json') ? ` (restore points: dataarts backups list --state-file ${path.join(archive, 'state.json')})` : ''}`,
  });
}

function damaged(archive: string, check: ManifestCheck): RefusedError {
  const named = check.problems.slice(0, 10).map((p) => `${p.entry} (${p.reason})`).join('; ');
  const more = check.problems.length > 10 ? `; and ${check.problems.length - 10} more` : '';
  return new RefusedError(`${archive} does not match its manifest ${check.path}: ${named}${more}`, check.problems.map((p) => ({ subject: p.entry, reason: p.reason })), {
    hint: 'The archive was changed or damaged after the export; use another copy, or export again.',
  });
}
