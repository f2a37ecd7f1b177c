/**
 * Write a composed restore as one deterministic archive (sorted entries, fixed times: the same
 * restore point gives the same bytes) or an unpacked tree, with its manifest sidecar, staged
 * beside the output and committed atomically, like an export.
 */
import path from 'node:path';
import type { CommandContext } from '../context.js';
import { commitPath, createStagingDir } from '../util/atomic.js';
import { directoryOutput, zipOutput } from '../export/archive-output.js';
import { manifestPathFor, writeManifestNamed, zipComment } from '../export/manifest.js';
import type { StagedEntry } from '../export/batches.js';
import { stagedEntry } from './archive-check.js';
import type { Composed } from './compose.js';
import type { ExportResult } from '../export/pipeline.js';
import { SecretScanner } from '../secrets/scan.js';
import { applySecretsPolicy, type SecretsPolicy } from '../secrets/policy.js';

/** What was written: the same summary as an export's, less what only an export has. */
export type RestoreWritten = Omit<ExportResult, 'workspace' | 'expressionTimeZoneChanges'>;

export async function writeRestore(
  ctx: CommandContext,
  composed: Composed,
  out: { path: string; layout: 'zip' | 'dir'; replace: boolean; workspace: string; selection: Record<string, unknown>; secrets: SecretsPolicy },
): Promise<RestoreWritten> {
  const staging = await createStagingDir(out.path, ctx.deps.cleanup);
  try {
    const jobs = composed.jobTypes.size;
    const builder = out.layout === 'zip' ? zipOutput(staging.path('archive.zip'), zipComment('backups restore', out.workspace, jobs)) : directoryOutput(staging.path('tree'));
    const entries: StagedEntry[] = [];
    const scanner = new SecretScanner();
    for (const e of composed.entries) {
      scanner.add(e.name, e.data);
      await builder.sink.add(e.name, e.data);
      entries.push(stagedEntry(e.name, e.data));
    }
    // Judged before anything is committed: a refusal leaves nothing behind.
    const secrets = applySecretsPolicy(ctx.ui, scanner.findings(), out.secrets, out.path);
    const summary = await builder.finish(entries);
    const jobList = composed.jobList;
    await writeManifestNamed(manifestPathFor(out.path), staging.path('manifest.json'), {
      command: 'backups restore',
      workspace: out.workspace,
      layout: out.layout,
      archiveName: path.basename(out.path),
      selection: out.selection,
      generatedAt: ctx.deps.now(),
      jobList,
      entries,
      bytes: summary.bytes,
      sha256: summary.sha256,
    });
    ctx.deps.signal.throwIfAborted();
    await commitPath(out.layout === 'zip' ? staging.path('archive.zip') : staging.path('tree'), out.path, { force: out.replace });
    await commitPath(staging.path('manifest.json'), manifestPathFor(out.path), { force: out.replace });
    return {
      path: out.path,
      layout: out.layout,
      jobs,
      scripts: new Set(jobList.flatMap((j) => j.scripts)).size + composed.scriptsNoJobUses.length,
      resources: new Set(jobList.flatMap((j) => j.resources)).size,
      bytes: summary.bytes,
      sha256: summary.sha256,
      manifest: manifestPathFor(out.path),
      jobList,
      secrets: secrets.reported,
      secretsAccepted: secrets.accepted,
    };
  } finally {
    await staging.dispose();
  }
}
