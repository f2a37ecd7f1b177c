/**
 * Starting again what `--stop-running` stopped (`POST …/jobs/{name}/start`, reference §7), by one
 * rule wherever it runs (the release, a failure, an interrupt, `--resume`): a job the release
 * stopped is started again when its definition in the workspace is the staged one or still the
 * one from before (the journal keeps both fingerprints); only a job whose definition is neither
 * stays stopped, named with why. Real-time jobs are followed until they report running, within
 * --timeout. Status reads are retried like every read; only the service's not-found answer means
 * "the job is no longer in the workspace".
 */
import type { DataArtsClient } from '../api/dataarts.js';
import type { CommandContext } from '../context.js';
import { jobFingerprint } from '../compare/fingerprint.js';
import { readWorkspaceDefinitions } from '../compare/read-workspace.js';
import { backoff } from '../util/backoff.js';
import { sleep } from '../util/abort.js';
import { currentStatus, RUNNING_STATUSES as RUNNING } from '../scheduling/change.js';
import type { ReleaseRecord, RestartResult, StoppedJob } from './journal.js';
import { namedFew } from '../output/bounded.js';


const PAUSED_REASON = 'it was PAUSED before the import, and the API cannot pause it again: resume or pause it in the console';
const NO_RESTART_REASON = 'left stopped as asked (--no-restart)';

/** Left stopped on purpose (asked, or it was paused): not a failure of the run. */
export function leftStoppedOnPurpose(r: RestartResult): boolean {
  return r.result === 'left stopped' && (r.reason === NO_RESTART_REASON || r.reason === PAUSED_REASON);
}

/** Statuses after which waiting longer will not help. */
const FAILED = new Set(['EXCEPTION', 'ABNORMAL', 'DISABLE']);

/** Where a restart runs: the client (the run's, or the un-abortable one after an interrupt) and limits. */
export interface RestartEnv {
  ctx: CommandContext;
  dataarts: DataArtsClient;
  workDir: string;
  timeoutMs: number;
  signal: AbortSignal;
}

/** Which version of a job the workspace holds now. */
export type WorkspaceVersion = 'staged' | 'before' | 'neither' | 'absent';

/** What the workspace holds for each named job, by fingerprint (one list, one batch export per 100). */
export async function workspaceVersions(env: Pick<RestartEnv, 'dataarts' | 'workDir'>, names: string[], record: Pick<ReleaseRecord, 'jobs'>): Promise<Map<string, WorkspaceVersion>> {
  const out = new Map<string, WorkspaceVersion>();
  if (names.length === 0) return out;
  const listed = new Set((await env.dataarts.listAllJobs()).map((j) => j.name));
  const present = names.filter((n) => listed.has(n));
  const current = present.length > 0 ? await readWorkspaceDefinitions(env.dataarts, present, env.workDir) : undefined;
  for (const name of names) {
    const job = current?.jobs.get(name);
    if (!job) {
      out.set(name, 'absent');
      continue;
    }
    const planned = record.jobs.find((j) => j.name === name);
    const print = jobFingerprint(job.json);
    out.set(name, print === planned?.staged ? 'staged' : print === planned?.before ? 'before' : 'neither');
  }
  return out;
}

/** Why a stopped job must stay stopped, or undefined when it may be started again. */
function reasonToLeaveStopped(job: StoppedJob, record: ReleaseRecord, version: WorkspaceVersion | { unread: string }): string | undefined {
  if (!record.settings.restart) return NO_RESTART_REASON;
  // (inferred) Starting a paused batch job would schedule it; the API has no call to pause it again.
  if (job.statusBefore === 'PAUSED') return PAUSED_REASON;
  if (typeof version === 'object') return `its definition could not be read to tell which version the workspace holds (${version.unread}); run --resume again`;
  if (version === 'absent') return 'the job is no longer in the workspace';
  const check = record.verification.find((v) => v.name === job.name);
  if (version !== 'before' && check?.state === 'differs') return `the workspace's copy differs from what was staged (${check.changes.slice(0, 3).map((c) => c.path).join(', ')})`;
  if (version === 'neither') return 'its definition is neither the staged one nor the one from before: check it (`dataarts jobs diff`), then `dataarts jobs start` it';
  return undefined;
}

/** Start each job and wait until the service lists it running; one result per job. */
export async function startAndWait(env: RestartEnv, jobs: { name: string; type: string }[]): Promise<RestartResult[]> {
  const results = new Map<string, RestartResult>();
  const pending: { name: string; type: string }[] = [];
  for (const job of jobs) {
    try {
      await env.dataarts.startJob(job.name);
      pending.push(job);
    } catch (err) {
      results.set(job.name, { name: job.name, result: 'left stopped', reason: `the start call failed: ${(err as Error).message}`, retry: true });
    }
  }
  const now = () => env.ctx.deps.now().getTime();
  const deadline = now() + env.timeoutMs;
  const delays = backoff(100, 2000);
  const unread = new Map<string, string>();
  let waiting = pending;
  while (waiting.length > 0) {
    const statuses = await Promise.all(waiting.map((j) => currentStatus(env.dataarts, j).then(
      (status) => ({ status, failed: false }),
      (err: unknown) => ({ status: undefined, failed: true, message: (err as Error).message }),
    )));
    const still: typeof waiting = [];
    waiting.forEach((job, i) => {
      const read = statuses[i]!;
      if (read.failed) {
        // Not an answer about the job: ask again on the next round.
        unread.set(job.name, 'message' in read ? read.message! : 'status read failed');
        still.push(job);
        return;
      }
      unread.delete(job.name);
      const { status } = read;
      if (status !== undefined && RUNNING.has(status)) results.set(job.name, { name: job.name, result: 'restarted' });
      else if (status === undefined) results.set(job.name, { name: job.name, result: 'left stopped', reason: 'the job is no longer in the workspace' });
      else if (FAILED.has(status)) results.set(job.name, { name: job.name, result: 'left stopped', reason: `started, but the service reports ${status}` });
      else still.push(job);
    });
    waiting = still;
    if (waiting.length === 0) break;
    const remaining = deadline - now();
    if (remaining <= 0) {
      for (const job of waiting) {
        const why = unread.has(job.name) ? `started, but its status could not be read (${unread.get(job.name)})` : `started, but not running after ${Math.round(env.timeoutMs / 1000)} s (--timeout)`;
        results.set(job.name, { name: job.name, result: 'left stopped', reason: why, retry: true });
      }
      break;
    }
    await sleep(Math.min(delays.next(), remaining), env.signal);
  }
  return jobs.map((j) => results.get(j.name)!);
}

/** True when some part's import call may have reached the service (so definitions may have changed). */
export function importMayHaveRun(record: Pick<ReleaseRecord, 'parts'>): boolean {
  return record.parts.some((p) => p.importCall === 'sending' || p.importCall === 'started');
}

/**
 * Apply the rule to every job the release stopped and has not started again yet; returns one
 * result per such job (the caller records them). Says it on stderr. Never throws for a job that
 * could not be started: the caller decides the exit code.
 */
export async function restartStopped(env: RestartEnv, record: ReleaseRecord): Promise<RestartResult[]> {
  const done = new Set(record.restarts.filter((r) => r.result === 'restarted').map((r) => r.name));
  const stopped = record.stopped.filter((j) => !done.has(j.name));
  if (stopped.length === 0) return [];
  let versions: Map<string, WorkspaceVersion> | { unread: string };
  if (!record.settings.restart) versions = new Map();
  else if (!importMayHaveRun(record)) versions = new Map(stopped.map((j) => [j.name, 'before' as const]));
  else versions = await workspaceVersions(env, stopped.map((j) => j.name), record).catch((err: unknown) => ({ unread: (err as Error).message }));
  const left: RestartResult[] = [];
  const toStart: StoppedJob[] = [];
  for (const job of stopped) {
    const version = versions instanceof Map ? versions.get(job.name) ?? 'neither' : versions;
    const reason = reasonToLeaveStopped(job, record, version);
    if (reason) left.push({ name: job.name, result: 'left stopped', reason, ...(typeof version === 'object' ? { retry: true } : {}) });
    else toStart.push(job);
  }
  let started: RestartResult[] = [];
  if (toStart.length > 0) {
    env.ctx.ui.info(`Starting again ${toStart.length} job${toStart.length === 1 ? '' : 's'} that --stop-running stopped: ${namedFew(toStart.map((j) => j.name))}`);
    started = await startAndWait(env, toStart);
  }
  const byName = new Map([...left, ...started].map((r) => [r.name, r]));
  const results = stopped.map((j) => byName.get(j.name)!);
  reportRestarts(env.ctx, results);
  return results;
}

function reportRestarts(ctx: CommandContext, results: RestartResult[]): void {
  const restarted = results.filter((r) => r.result === 'restarted').map((r) => r.name);
  if (restarted.length > 0) ctx.ui.info(`Restarted: ${namedFew(restarted)}`);
  const left = results.filter((r) => r.result === 'left stopped');
  if (left.length > 0) {
    // One job a line: reasons are long, and a line stays readable (≤ 200 characters) that way.
    ctx.ui.warn(`${left.length} job${left.length === 1 ? '' : 's'} stopped by --stop-running ${left.length === 1 ? 'is' : 'are'} left stopped:${left.map((r) => `\n  ${r.name} (${r.reason})`).join('')}`);
  }
}

/** Merge new restart results into the recorded ones (a job restarted later replaces its earlier entry). */
export function mergeRestarts(recorded: RestartResult[], latest: RestartResult[]): RestartResult[] {
  const byName = new Map(recorded.map((r) => [r.name, r]));
  for (const r of latest) byName.set(r.name, r);
  return [...byName.values()];
}
