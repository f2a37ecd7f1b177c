/**
 * The DataArts Factory v1 calls the commands use (reference §2-7, §18), project-scoped and with the
 * `workspace` header. Which calls are safe to repeat, and which rate class each belongs to, is
 * decided here per method.
 */
import type { ResolvedConfig } from '../config/types.js';
import { ServiceError } from '../errors.js';
import type { Authenticator } from './auth.js';
import { ApiError } from './errors.js';
import type { HttpClient, HttpRequest, Method } from './http.js';
import type { ApiClass } from './pacing.js';
import { collectPages, JOB_LIST_PAGE_LIMIT, StepDownPageLimit, type OffsetReading, type Page } from './paging.js';

export type JobType = 'BATCH' | 'REAL_TIME';
export const JOB_TYPES: readonly JobType[] = ['BATCH', 'REAL_TIME'];

export interface JobSummary {
  name: string;
  jobType: JobType;
  status: string;
  path?: string;
  lastUpdateTime?: number;
  owner?: string;
  createUser?: string;
  lastUpdateUser?: string;
  createTime?: number;
}

/** Show Job answer: the Create Job body (§9) plus `id`; unknown keys kept as they are. */
export type JobDetails = Record<string, unknown> & { name: string };

export interface Connection {
  name: string;
  type: string;
  config?: Record<string, unknown>;
  description?: string;
}

export interface ImportJobsRequest {
  path: string;
  params?: Record<string, string>;
  sameNamePolicy?: 'SKIP' | 'OVERWRITE';
  jobsParam?: { name: string; params: Record<string, string> }[];
  executeUser?: string;
  targetStatus?: 'SAVED' | 'SUBMITTED' | 'PRODUCTION';
  approvers?: { approverName: string }[];
  resources?: { name: string; type: string; replace: string }[];
}

export interface SystemTask {
  id: string;
  name: string;
  status: 'RUNNING' | 'SUCCESSFUL' | 'FAILED' | 'WARNING';
  message?: string;
  startTime: number;
  endTime?: number;
  lastUpdate: number;
  projectId?: string;
  subtasks: { id: string; name: string; status: string; message?: string; lastUpdate?: number }[];
}

/** Job status (reference §7), read from either model's spelling (§19). */
export interface JobStatus {
  name: string;
  status: string;
  startTime?: number;
  nodes: { name: string; type?: string; status?: string }[];
}

export interface ExportOptions {
  exportDepend: boolean;
  exportStatus: 'DEVELOP' | 'SUBMIT';
}

export const BATCH_EXPORT_MAX = 100;

/** Encode one path segment (job names may hold characters that are not URL-safe). */
function seg(value: string): string {
  return encodeURIComponent(value);
}

export interface DataArtsClientDeps {
  http: HttpClient;
  auth: Authenticator;
  config: Pick<ResolvedConfig, 'endpoint' | 'projectId' | 'workspace'>;
  /** `--verbose` lines (which reading of `offset` the service uses). */
  debug?: (line: string) => void;
}

/** Called with each page of a job list as soon as every page before it is in (list order per type). */
export type OnJobsPage = (jobs: JobSummary[], jobType: JobType, total: number) => void;

interface CallSpec {
  method: Method;
  /** Path below `/v1/{project_id}`, segments already encoded. */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  apiClass: ApiClass;
  /** API name for pacing (reference §0 row). */
  api: string;
  safe: boolean;
  accept?: string;
}

export class DataArtsClient {
  /** Job list page size for this client's run: 1000 until the service refuses it, then 100 (paging.ts). */
  private readonly jobListLimit = new StepDownPageLimit(JOB_LIST_PAGE_LIMIT);
  /** How this service reads `offset`, once a list has shown it (paging.ts); shared by all lists. */
  private offsetReading?: OffsetReading;

  constructor(private readonly deps: DataArtsClientDeps) {}

  private request(spec: CallSpec): HttpRequest {
    const { config, auth } = this.deps;
    const url = new URL(`${config.endpoint}/v1/${seg(config.projectId)}${spec.path}`);
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = {
      'Content-Type': 'application/json;charset=UTF-8',
      Accept: spec.accept ?? 'application/json',
      'X-Project-Id': config.projectId,
    };
    if (config.workspace !== undefined) headers['workspace'] = config.workspace;
    return {
      method: spec.method,
      url: url.toString(),
      headers,
      body: spec.body === undefined ? undefined : Buffer.from(JSON.stringify(spec.body), 'utf8'),
      apiClass: spec.apiClass,
      api: spec.api,
      safe: spec.safe,
      authKind: auth.kind,
      authorize: (req) => auth.authorize(req),
      onUnauthorized: auth.onUnauthorized,
    };
  }

  private json<T>(spec: CallSpec): Promise<T> {
    return this.deps.http.sendJson<T>(this.request(spec));
  }

  /** `undefined` when the service answers with `notFoundCode`. */
  private async orUndefined<T>(call: Promise<T>, notFoundCode: string): Promise<T | undefined> {
    try {
      return await call;
    } catch (err) {
      if (err instanceof ApiError && err.errorCode === notFoundCode) return undefined;
      throw err;
    }
  }

  /** Options for collectPages shared by every list: the learnt `offset` reading and the debug log. */
  private pagingOptions<T>(key: (item: T) => string) {
    return {
      key,
      reading: this.offsetReading,
      onReading: (r: OffsetReading) => {
        this.offsetReading = r;
      },
      debug: this.deps.debug,
    };
  }

  async listJobs(jobType: JobType, opts: { jobName?: string; onPage?: OnJobsPage } = {}): Promise<JobSummary[]> {
    const onPage = opts.onPage;
    const jobs = await collectPages<JobSummary>(`${jobType} jobs`, async (offset, limit): Promise<Page<JobSummary>> => {
      const res = await this.json<{ total?: number; jobs?: Record<string, unknown>[] }>({
        method: 'GET',
        path: '/jobs',
        query: { jobType, offset, limit, jobName: opts.jobName },
        apiClass: 'dlf30',
        api: 'list',
        safe: true,
      });
      if (!Array.isArray(res.jobs ?? [])) throw new ServiceError(`listing ${jobType} jobs: 'jobs' is not a list`);
      return { total: res.total as number, items: (res.jobs ?? []).map((j) => toJobSummary(j, jobType)) };
    }, {
      limit: this.jobListLimit,
      ...this.pagingOptions<JobSummary>((j) => j.name),
      onPage: onPage ? (items, total) => onPage(items, jobType, total) : undefined,
    });
    return jobs;
  }

  /**
   * Both job types, sorted by name (code-point order, so the order does not depend on a locale).
   * `onPage` sees every page as it comes in (per type, in the service's list order), before the
   * whole list is known: the export starts on the first names while the rest is still listed.
   * `onProgress` gets the records listed so far and the total the pages announced (both types).
   */
  async listAllJobs(opts: { onPage?: OnJobsPage; onProgress?: (listed: number, total: number) => void } = {}): Promise<JobSummary[]> {
    const listed = new Map<JobType, { listed: number; total: number }>();
    const onPage: OnJobsPage = (jobs, jobType, total) => {
      opts.onPage?.(jobs, jobType, total);
      if (!opts.onProgress) return;
      listed.set(jobType, { listed: (listed.get(jobType)?.listed ?? 0) + jobs.length, total });
      const all = [...listed.values()];
      opts.onProgress(all.reduce((s, x) => s + x.listed, 0), all.reduce((s, x) => s + x.total, 0));
    };
    // allSettled, not all: when one listing fails the other must not go on retrying in the
    // background after the command has already reported the failure.
    const settled = await Promise.allSettled(JOB_TYPES.map((t) => this.listJobs(t, { onPage })));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const lists = settled.map((r) => (r as PromiseFulfilledResult<JobSummary[]>).value);
    return lists.flat().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  getJob(name: string): Promise<JobDetails | undefined> {
    return this.orUndefined(this.json<JobDetails>({ method: 'GET', path: `/jobs/${seg(name)}`, apiClass: 'dlf10', api: 'show', safe: true }), 'DLF.0100');
  }

  async getJobStatus(name: string): Promise<JobStatus> {
    const res = await this.json<Record<string, unknown>>({ method: 'GET', path: `/jobs/${seg(name)}/status`, apiClass: 'dlf30', api: 'status', safe: true });
    return normalizeJobStatus(res, name);
  }

  /**
   * Start a job (reference §7, 204). Not retried: starting twice is harmless for the job itself,
   * but a lost answer is reported rather than guessed, and the caller reads the status after.
   */
  async startJob(name: string): Promise<void> {
    await this.json({ method: 'POST', path: `/jobs/${seg(name)}/start`, apiClass: 'dlf30', api: 'start', safe: false });
  }

  /**
   * Delete a job (reference §0 row 13, 204). Not retried: a lost answer is reported, and the caller
   * lists the workspace to see whether the job is gone.
   */
  async deleteJob(name: string): Promise<void> {
    await this.json({ method: 'DELETE', path: `/jobs/${seg(name)}`, apiClass: 'dlf30', api: 'delete', safe: false });
  }

  /** The service's own reading of a staged archive (reference §4, §19): the jobs and scripts it sees. */
  async checkFile(obsPath: string): Promise<{ jobs: { name: string; path?: string }[]; scripts: { name: string; path?: string }[] }> {
    const res = await this.json<{ jobs?: Record<string, unknown>[]; scripts?: Record<string, unknown>[] }>({ method: 'POST', path: '/jobs/check-file', body: { path: obsPath }, apiClass: 'dlf10', api: 'check-file', safe: true });
    const view = (list: unknown) => (Array.isArray(list) ? (list as Record<string, unknown>[]) : []).map((x) => ({ name: String(x?.name ?? ''), path: str(x?.path) }));
    return { jobs: view(res.jobs), scripts: view(res.scripts) };
  }

  /** Stopping a stopped job is harmless, so stop is retried like a read. */
  async stopJob(name: string): Promise<void> {
    await this.json({ method: 'POST', path: `/jobs/${seg(name)}/stop`, apiClass: 'dlf30', api: 'stop', safe: true });
  }

  async batchExport(names: string[], opts: ExportOptions, destFile: string): Promise<{ bytes: number }> {
    if (names.length === 0 || names.length > BATCH_EXPORT_MAX) {
      throw new RangeError(`batchExport takes 1 to ${BATCH_EXPORT_MAX} names, got ${names.length}`);
    }
    const req = this.request({
      method: 'POST',
      path: '/jobs/batch-export',
      body: { jobList: names, exportDepend: opts.exportDepend, exportStatus: opts.exportStatus },
      apiClass: 'dlf10',
      api: 'batch-export',
      safe: true,
      accept: 'application/octet-stream',
    });
    return this.deps.http.download(req, destFile);
  }

  async exportJob(name: string, opts: ExportOptions, destFile: string): Promise<{ bytes: number }> {
    const req = this.request({
      method: 'POST',
      path: `/jobs/${seg(name)}/export`,
      body: { exportDepend: opts.exportDepend, exportStatus: opts.exportStatus },
      apiClass: 'dlf10',
      api: 'export',
      safe: true,
      accept: 'application/octet-stream',
    });
    return this.deps.http.download(req, destFile);
  }

  /** Sent exactly once: a repeated import could apply twice, so no retry whatever happens. */
  async importJobs(body: ImportJobsRequest): Promise<{ taskId: string }> {
    const res = await this.json<{ taskId?: string }>({ method: 'POST', path: '/jobs/import', body, apiClass: 'dlf10', api: 'import', safe: false });
    if (typeof res.taskId !== 'string' || res.taskId === '') throw new ServiceError('the import call answered without a taskId');
    return { taskId: res.taskId };
  }

  async getSystemTask(taskId: string): Promise<SystemTask> {
    const res = await this.json<Record<string, unknown>>({ method: 'GET', path: `/system-tasks/${seg(taskId)}`, apiClass: 'dlf10', api: 'system-tasks', safe: true });
    return normalizeSystemTask(res);
  }

  getScript(name: string): Promise<Record<string, unknown> | undefined> {
    return this.orUndefined(this.json<Record<string, unknown>>({ method: 'GET', path: `/scripts/${seg(name)}`, apiClass: 'dlf30', api: 'scripts', safe: true }), 'DLF.6201');
  }

  /**
   * Every script of the workspace with its whole definition (reference §20: the v1 list carries
   * each script's `content`; 1–100 per page), paged as the job list is, `offset` read the same way.
   */
  listScripts(opts: { onPage?: (scripts: Record<string, unknown>[]) => void } = {}): Promise<Record<string, unknown>[]> {
    return collectPages<Record<string, unknown>>('scripts', async (offset, limit) => {
      const res = await this.json<{ total?: number; scripts?: Record<string, unknown>[] }>({
        method: 'GET',
        path: '/scripts',
        query: { offset, limit },
        apiClass: 'dlf30',
        api: 'scripts',
        safe: true,
      });
      if (!Array.isArray(res.scripts ?? [])) throw new ServiceError("listing scripts: 'scripts' is not a list");
      return { total: res.total as number, items: res.scripts ?? [] };
    }, {
      ...this.pagingOptions<Record<string, unknown>>((s) => String(s.name)),
      onPage: opts.onPage,
    });
  }

  listConnections(): Promise<Connection[]> {
    return collectPages<Connection>('connections', async (offset, limit) => {
      const res = await this.json<{ total?: number; connections?: Connection[] }>({
        method: 'GET',
        path: '/connections',
        query: { offset, limit },
        apiClass: 'dlf30',
        api: 'connections',
        safe: true,
      });
      return { total: res.total as number, items: res.connections ?? [] };
    }, this.pagingOptions<Connection>((c) => c.name));
  }
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function toJobSummary(j: Record<string, unknown>, listedAs: JobType): JobSummary {
  const jobType = j.jobType === 'BATCH' || j.jobType === 'REAL_TIME' ? j.jobType : listedAs;
  return {
    name: String(j.name),
    jobType,
    status: String(j.status ?? ''),
    path: str(j.path),
    lastUpdateTime: num(j.lastUpdateTime),
    owner: str(j.owner),
    createUser: str(j.createUser),
    lastUpdateUser: str(j.lastUpdateUser),
    createTime: num(j.createTime),
  };
}

/** A time in ms, sent as a number (DGC) or a numeric string (DLF); ISO text is read too. */
export function timeValue(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '') {
    if (/^\d+$/.test(v.trim())) return Number(v.trim());
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/**
 * A system task in one shape whichever model the service follows (reference §6, §19): DGC's
 * `subtasks` with times in ms, DLF's `subTasks` with times as strings.
 */
export function normalizeSystemTask(res: Record<string, unknown>): SystemTask {
  const raw = Array.isArray(res.subtasks) ? res.subtasks : Array.isArray(res.subTasks) ? res.subTasks : [];
  const subtasks = (raw as Record<string, unknown>[]).map((s) => ({
    ...s,
    id: String(s.id ?? ''),
    name: String(s.name ?? ''),
    status: String(s.status ?? ''),
    message: str(s.message),
    lastUpdate: timeValue(s.lastUpdate),
  }));
  const { subTasks: _dlf, ...rest } = res;
  return {
    ...(rest as unknown as SystemTask),
    id: String(res.id ?? ''),
    name: String(res.name ?? ''),
    status: String(res.status ?? '') as SystemTask['status'],
    message: str(res.message),
    startTime: timeValue(res.startTime) ?? 0,
    endTime: timeValue(res.endTime),
    lastUpdate: timeValue(res.lastUpdate) ?? 0,
    subtasks,
  };
}

/** Job status from either spelling: `startTime`/`starttime`, `nodes[].type`/`nodeType` (reference §19). */
export function normalizeJobStatus(res: Record<string, unknown>, name: string): JobStatus {
  const nodes = Array.isArray(res.nodes) ? (res.nodes as Record<string, unknown>[]) : [];
  return {
    name: str(res.name) ?? name,
    status: String(res.status ?? ''),
    startTime: timeValue(res.startTime ?? res.starttime),
    nodes: nodes.map((n) => ({ name: String(n.name ?? ''), type: str(n.type) ?? str(n.nodeType), status: str(n.status) })),
  };
}
