/**
 * `dataarts jobs start|stop NAME... [--match GLOB] [--names-from FILE]`: start or stop scheduling
 * of the named jobs and wait until the service reports it (`--no-wait`, `--timeout`). One line per
 * job (or one JSON document); exit 5 naming every job that did not reach the state. Unknown names
 * are a usage error before anything is changed. The steps are src/scheduling/change.ts.
 */
import type { CommandContext } from '../context.js';
import { ExitCode, PartialFailureError, UsageError } from '../errors.js';
import { openSession } from '../api/session.js';
import { listAllJobsShowingProgress } from '../api/listing.js';
import { formatTable, printJson, printLines } from '../output/render.js';
import { readNamesFrom, resolveSelection } from '../export/selection.js';
import { changeScheduling, type SchedulingAction } from '../scheduling/change.js';

export interface JobsStartStopOptions {
  action: SchedulingAction;
  names: string[];
  match: string[];
  namesFrom?: string;
  wait: boolean;
  timeout: number;
}

export async function runJobsStartStop(ctx: CommandContext, opts: JobsStartStopOptions): Promise<number> {
  const fromFile = opts.namesFrom === undefined ? [] : await readNamesFrom(opts.namesFrom, ctx.deps.io.stdin, ctx.deps.cwd);
  const names = [...opts.names, ...fromFile];
  if (names.length === 0 && opts.match.length === 0) {
    throw new UsageError(`no jobs to ${opts.action}`, { hint: `Name them: dataarts jobs ${opts.action} NAME... (or --match GLOB, --names-from FILE).` });
  }
  const session = await openSession(ctx);
  try {
    const all = await listAllJobsShowingProgress(ctx, session.dataarts);
    const known = new Set(all.map((j) => j.name));
    const unknown = [...new Set(names.filter((n) => !known.has(n)))];
    if (unknown.length > 0) {
      throw new UsageError(`unknown job${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, {
        hint: `Check the names with \`dataarts jobs list\`; nothing was ${opts.action === 'start' ? 'started' : 'stopped'}.`,
        details: { unknownJobs: unknown },
      });
    }
    const { jobs } = resolveSelection(all, { names, match: opts.match, directories: [], all: false });
    if (jobs.length === 0) ctx.ui.warn(`no job matches ${opts.match.map((m) => `'${m}'`).join(' or ')}; nothing to ${opts.action}`);
    const results = await changeScheduling(session.dataarts, jobs.map((j) => ({ name: j.name, type: j.jobType, status: j.status })), {
      action: opts.action,
      wait: opts.wait,
      timeoutMs: opts.timeout * 1000,
      signal: ctx.deps.signal,
      now: () => ctx.deps.now().getTime(),
    });
    if (ctx.globals.json) await printJson(ctx.deps.io.stdout, { workspace: session.config.workspace ?? null, action: opts.action, jobs: results });
    else if (results.length > 0) await printLines(ctx.deps.io.stdout, formatTable(['JOB', 'TYPE', 'RESULT', 'STATUS', 'DETAIL'], results.map((r) => [r.name, r.type, r.result, r.status ?? '-', r.message ?? ''])));
    const failed = results.filter((r) => r.result === 'failed');
    if (failed.length > 0) {
      throw new PartialFailureError(`${failed.length} of ${results.length} job${results.length === 1 ? '' : 's'} did not ${opts.action === 'start' ? 'start' : 'stop'}: ${failed.map((f) => `${f.name} (${f.message})`).join('; ')}`, { failed });
    }
    if (!opts.wait && results.some((r) => r.result === 'requested')) ctx.ui.info(`Not waiting (--no-wait): check with \`dataarts jobs list\``);
    return ExitCode.OK;
  } finally {
    await session.close();
  }
}
