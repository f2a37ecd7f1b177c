/**
 * `dataarts jobs export [NAME...]`: the selected jobs into one archive (contract "jobs export").
 * Order matters: every local check (time zone, selectors, --names-from, existing output) runs
 * before the first service call, and the selection is resolved before any export call.
 */
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { normalizeTimeZone } from '../archive/timezone.js';
import { isEmptyRequest, readNamesFrom, resolveSelection, type SelectionRequest } from '../export/selection.js';
import { workspaceLabel } from '../export/output-path.js';
import { resolveOutputTarget } from '../export/output-target.js';
import { commonPlanOptions, exportToArchive } from '../export/pipeline.js';
import { streamSelection } from '../export/streamed-selection.js';
import { printExportResult } from '../export/report.js';
import { printJson } from '../output/render.js';
import type { ExportCommonOptions } from '../export/options.js';
import { listAllJobsShowingProgress } from '../api/listing.js';
import { loadSecretsPolicy } from '../secrets/baseline.js';

export interface JobsExportOptions extends ExportCommonOptions {
  names: string[];
  match: string[];
  directory: string[];
  all: boolean;
  namesFrom?: string;
}

export async function runJobsExport(ctx: CommandContext, opts: JobsExportOptions): Promise<number> {
  const expressionTimeZone = opts.expressionTimeZone === undefined ? undefined : normalizeTimeZone(opts.expressionTimeZone);
  const request: SelectionRequest = { names: [...opts.names], match: opts.match ?? [], directories: opts.directory ?? [], all: opts.all };
  if (isEmptyRequest(request) && opts.namesFrom === undefined) {
    throw new UsageError('nothing selected', { hint: 'Give job names, --match GLOB, --directory PATH, --names-from FILE or --all.' });
  }
  if (opts.namesFrom !== undefined) request.names.push(...(await readNamesFrom(opts.namesFrom, ctx.deps.io.stdin, ctx.deps.cwd)));
  const secrets = await loadSecretsPolicy(ctx.deps.cwd, opts);

  const { openSession } = await import('../api/session.js');
  const session = await openSession(ctx);
  try {
    const workspace = workspaceLabel(session.config.workspace);
    // Every local check (the output, its directory) before the first request.
    const target = await resolveOutputTarget(ctx, { typed: opts.output, layout: opts.layout, force: opts.force, prefix: 'dataarts-jobs', workspace, stamp: ctx.deps.now() });

    // Without explicit names the exports start while the list is still read (streamed-selection.ts).
    const streaming = request.names.length === 0;
    const feed = streaming ? await streamSelection(ctx, session.dataarts, request) : undefined;
    const selection = streaming ? undefined : resolveSelection(await listAllJobsShowingProgress(ctx, session.dataarts), request);
    if (streaming ? feed === undefined : selection!.jobs.length === 0) {
      // An empty --match/--directory/--names-from selection is success with a warning (contract).
      await target.discard();
      ctx.ui.warn('no job matched the selection; nothing was exported and no archive was written');
      if (ctx.globals.json) await printJson(ctx.deps.io.stdout, { path: null, layout: opts.layout, workspace, jobs: 0, scripts: 0, resources: 0, bytes: 0, sha256: null, manifest: null, secrets: [], secretsAccepted: 0, jobList: [] });
      return 0;
    }

    const result = await exportToArchive(ctx, session.dataarts, {
      command: 'jobs export',
      jobs: selection?.jobs ?? [],
      feed,
      output: target.path,
      ...commonPlanOptions(opts),
      force: target.replace,
      expressionTimeZone,
      workspace,
      secrets,
      selection: {
        names: opts.names,
        match: request.match,
        directories: request.directories,
        all: request.all,
        namesFrom: opts.namesFrom ?? null,
        jobsOnly: opts.jobsOnly,
        status: opts.status,
        expressionTimeZone: expressionTimeZone ?? null,
      },
    });
    target.keep();
    await printExportResult(ctx, result);
    return 0;
  } finally {
    await session.close();
  }
}
