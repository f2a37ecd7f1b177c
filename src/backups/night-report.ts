/**
 * The result of `jobs export-workspace`: one summary line, or with `--json` one document. A night
 * with a state file also says whether it was full or incremental, the jobs and scripts added,
 * changed and deleted since the run before, the bytes it wrote and how long it took.
 */
import type { CommandContext } from '../context.js';
import type { ExportResult } from '../export/pipeline.js';
import { resultDocument, summaryLine } from '../export/report.js';
import { printJson, printLines } from '../output/render.js';
import { count } from '../output/plural.js';
import type { NameChanges } from './night.js';
import type { ScriptChanges } from './script-capture.js';

export interface NightReport {
  kind: 'full' | 'incremental';
  jobs: NameChanges;
  scripts: NameChanges;
  scriptArchive: { path: string; sha256: string; bytes: number; scripts: number } | null;
  durationMs: number;
}

export function nightReport(input: {
  full: boolean;
  jobs: NameChanges;
  scripts: ScriptChanges;
  scriptArchive: NightReport['scriptArchive'] | undefined;
  startedAt: Date;
  now: Date;
}): NightReport {
  const { added, changed, deleted } = input.scripts;
  return {
    kind: input.full ? 'full' : 'incremental',
    jobs: input.jobs,
    scripts: { added, changed, deleted },
    scriptArchive: input.scriptArchive ?? null,
    durationMs: input.now.getTime() - input.startedAt.getTime(),
  };
}

const changeWords = (what: string, c: NameChanges) => `${what} +${c.added.length} ~${c.changed.length} -${c.deleted.length}`;

export async function printNightResult(
  ctx: CommandContext,
  out: { result?: ExportResult; night?: NightReport; since: string | null; removed: string[]; layout: 'zip' | 'dir'; workspace: string },
): Promise<void> {
  const { result, night, since, removed } = out;
  const nightFields = night
    ? { kind: night.kind, changes: { jobs: night.jobs, scripts: night.scripts }, scriptArchive: night.scriptArchive, durationMs: night.durationMs, totalBytes: (result?.bytes ?? 0) + (night.scriptArchive?.bytes ?? 0) }
    : {};
  if (ctx.globals.json) {
    const doc = result
      ? resultDocument(result, { since, removed, ...nightFields })
      : { path: null, layout: out.layout, workspace: out.workspace, jobs: 0, scripts: 0, resources: 0, bytes: 0, sha256: null, manifest: null, secrets: [], secretsAccepted: 0, since, removed, ...nightFields, jobList: [] };
    await printJson(ctx.deps.io.stdout, doc);
    return;
  }
  // The result is data: on stdout even under --quiet (the README's cron line sends stdout to a log,
  // so cron mails only stderr, which a successful --quiet night leaves empty). A quiet night with
  // nothing changed prints nothing at all, as before.
  if (!result && ctx.globals.quiet) return;
  const lines = [result ? summaryLine(result) : '-  0 jobs  0 scripts  0 resources  0 bytes  (no job changed; no job archive written)'];
  if (night && !ctx.globals.quiet) {
    const scripts = night.scriptArchive ? `  ${night.scriptArchive.path}  ${count(night.scriptArchive.scripts, 'script')} captured` : '';
    lines.push(`${night.kind}  ${changeWords('jobs', night.jobs)}  ${changeWords('scripts', night.scripts)}  ${(night.durationMs / 1000).toFixed(1)} s${scripts}`);
  }
  await printLines(ctx.deps.io.stdout, lines);
}
