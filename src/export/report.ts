/**
 * The result on stdout: one summary line, or with `--json` one document with the per-job list.
 */
import { count } from '../output/plural.js';
import type { CommandContext } from '../context.js';
import { printJson, printLines } from '../output/render.js';
import type { ExportResult } from './pipeline.js';

export function summaryLine(r: ExportResult): string {
  return `${r.path}  ${count(r.jobs, 'job')}  ${count(r.scripts, 'script')}  ${count(r.resources, 'resource')}  ${count(r.bytes, 'byte')}  sha256 ${r.sha256}`;
}

export function resultDocument(r: ExportResult, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    path: r.path,
    layout: r.layout,
    workspace: r.workspace,
    jobs: r.jobs,
    scripts: r.scripts,
    resources: r.resources,
    bytes: r.bytes,
    sha256: r.sha256,
    manifest: r.manifest,
    expressionTimeZoneChanges: r.expressionTimeZoneChanges,
    secrets: r.secrets,
    secretsAccepted: r.secretsAccepted,
    ...extra,
    jobList: r.jobList,
  };
}

export async function printExportResult(ctx: CommandContext, r: ExportResult, extra: Record<string, unknown> = {}): Promise<void> {
  if (ctx.globals.json) await printJson(ctx.deps.io.stdout, resultDocument(r, extra));
  else await printLines(ctx.deps.io.stdout, [summaryLine(r)]);
}
