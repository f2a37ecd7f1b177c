/**
 * DataArts Factory v1 handlers: jobs (list, show, status, start, stop, create, update, delete,
 * export, batch-export), scripts, resources and connections. Import lives in import.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { exportFileName, LOCK_FIELDS, notSubmittedMessage, REAL_TIME_TRANSITION_MS, type OffsetReading } from './service-readings.js';
import { dlfError, jsonBody, sendEmpty, sendJson, type Exchange } from './http.js';
import { parseLossless, stringifyLossless } from './json-text.js';
import { resourcesOf, scriptsOf } from './job-refs.js';
import type { ConnectionRecord, EmulatorState, JobRecord, Workspace } from './state.js';
import { buildZip } from './zip.js';

export interface DlfContext {
  ex: Exchange;
  state: EmulatorState;
  ws: Workspace;
  user: string;
  projectId: string;
  listPageCap: number;
  /** How list calls read `offset` (service-readings.ts OffsetReading). */
  listOffset: OffsetReading;
  /** Add the inferred lock fields to Show Job / Get Script (off by default, as in every official model). */
  lockFields: boolean;
  /** Schedule a state change later (cleared when the emulator closes). */
  later(ms: number, fn: () => void): void;
  /** Cut the export body short (fault 'truncate'). */
  truncate: boolean;
  listCache: JobListCache;
}

const JOB_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

function requireJob(ctx: DlfContext, name: string): JobRecord {
  const job = ctx.ws.jobs.get(name);
  if (!job) throw dlfError('DLF.0100', `The job does not exist: ${name}`);
  return job;
}

function intParam(ctx: DlfContext, name: string, bounds: { dflt: number; min: number; max: number }): number {
  const { dflt, min, max } = bounds;
  const raw = ctx.ex.query.get(name);
  if (raw === null || raw === '') return dflt;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) throw dlfError('DLF.3051', `The request parameter is invalid: ${name}.`);
  return n;
}

/**
 * A page, capped at listPageCap whatever `limit` asks, with `offset` read as the emulator is set
 * to: a record offset, or a page number counted from 0 or from 1 (where 0 is the first page too).
 */
function page<T>(ctx: DlfContext, items: T[], defaultLimit: number, maxLimit: number): T[] {
  const limit = Math.min(intParam(ctx, 'limit', { dflt: defaultLimit, min: 1, max: maxLimit }), ctx.listPageCap);
  const offset = intParam(ctx, 'offset', { dflt: 0, min: 0, max: Number.MAX_SAFE_INTEGER });
  const start = ctx.listOffset === 'record' ? offset : (ctx.listOffset === 'page0' ? offset : Math.max(offset, 1) - 1) * limit;
  return items.slice(start, start + limit);
}

function jobSummary(job: JobRecord) {
  const basic = (job.json.basicConfig ?? {}) as Record<string, unknown>;
  return {
    name: job.name,
    jobType: job.jobType,
    owner: typeof basic.owner === 'string' ? basic.owner : job.createUser,
    priority: typeof basic.priority === 'number' ? basic.priority : 0,
    status: job.status,
    createUser: job.createUser,
    createTime: job.createTime,
    startTime: job.createTime,
    ...(job.jobType === 'BATCH' ? { lastInstanceStatus: 'success', lastInstanceEndTime: job.lastUpdateTime } : {}),
    lastUpdateTime: job.lastUpdateTime,
    lastUpdateUser: job.lastUpdateUser,
    path: job.directory,
    singleNodeJobFlag: job.json.singleNodeJobFlag === true,
  };
}

/** Jobs of one type sorted by name, cached until the state changes (10,000-job lists stay fast). */
export class JobListCache {
  readonly byWorkspace = new WeakMap<Workspace, { revision: number; byType: Map<string, JobRecord[]> }>();
}

function sortedJobs(ctx: DlfContext, jobType: string): JobRecord[] {
  let entry = ctx.listCache.byWorkspace.get(ctx.ws);
  if (!entry || entry.revision !== ctx.state.revision) {
    entry = { revision: ctx.state.revision, byType: new Map() };
    ctx.listCache.byWorkspace.set(ctx.ws, entry);
  }
  let list = entry.byType.get(jobType);
  if (!list) {
    list = [...ctx.ws.jobs.values()].filter((j) => j.jobType === jobType);
    // (inferred) order: by name, so record offsets are stable between pages.
    list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    entry.byType.set(jobType, list);
  }
  return list;
}

export function listJobs(ctx: DlfContext): void {
  const jobType = ctx.ex.query.get('jobType') || 'BATCH';
  if (jobType !== 'BATCH' && jobType !== 'REAL_TIME') throw dlfError('DLF.3051', 'The request parameter is invalid: jobType.');
  const nameFilter = ctx.ex.query.get('jobName') ?? '';
  const tags = (ctx.ex.query.get('tags') ?? '').split(',').filter((t) => t !== '');
  const all = sortedJobs(ctx, jobType);
  const matching =
    nameFilter === '' && tags.length === 0
      ? all
      : all.filter((job) => (nameFilter === '' || job.name.includes(nameFilter)) && (tags.length === 0 || tags.some((t) => job.tags?.includes(t))));
  // (inferred) limit range 1-1000 (Huawei), page capped at listPageCap.
  sendJson(ctx.ex, 200, { total: matching.length, jobs: page(ctx, matching, 10, 1000).map(jobSummary) });
}

function lockInfo(ctx: DlfContext, lockedBy: string | undefined, tags: string[] = []) {
  if (!ctx.lockFields) return {};
  return {
    [LOCK_FIELDS.lockedBy]: lockedBy ?? null,
    [LOCK_FIELDS.lockedByCurrentUser]: lockedBy !== undefined && lockedBy === ctx.user,
    [LOCK_FIELDS.hardLock]: ctx.ws.hardLock,
    [LOCK_FIELDS.lockedTags]: tags.filter((t) => ctx.ws.lockedTags.has(t)),
  };
}

/** Add fields to a stored definition without losing its big integers. */
function withFields(text: string, fields: Record<string, unknown>): string {
  const value = parseLossless(text) as Record<string, unknown>;
  return stringifyLossless({ ...value, ...fields });
}

function sendText(ex: Exchange, text: string): void {
  const body = Buffer.from(text);
  ex.res.writeHead(200, { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': String(body.length), 'X-Request-Id': ex.requestId });
  ex.res.end(body);
}

export function showJob(ctx: DlfContext, name: string): void {
  const job = requireJob(ctx, name);
  const submitted = ctx.ex.query.get('getJobSubmitVersion') === 'true';
  const text = submitted && job.submittedText !== undefined ? job.submittedText : job.text;
  sendText(ctx.ex, withFields(text, { id: job.id, ...lockInfo(ctx, job.lockedBy, job.tags) }));
}

/** Job status (reference §7); `dlf` spells `starttime` and `nodes[].nodeType` as DLF's model does (§19). */
export function jobStatus(ctx: DlfContext, name: string, model: 'dgc' | 'dlf' = 'dgc'): void {
  const job = requireJob(ctx, name);
  // (inferred) BATCH jobs answer too, with their list status.
  const nodes = Array.isArray(job.json.nodes) ? (job.json.nodes as Record<string, unknown>[]) : [];
  const dlf = model === 'dlf';
  sendJson(ctx.ex, 200, {
    name: job.name,
    status: job.status,
    [dlf ? 'starttime' : 'startTime']: job.createTime,
    lastUpdateTime: job.lastUpdateTime,
    nodes: nodes.map((n) => ({ name: n.name, [dlf ? 'nodeType' : 'type']: n.type, status: job.status, logPath: '' })),
  });
}

function transition(ctx: DlfContext, job: JobRecord, via: string, to: string): void {
  ctx.state.setJobStatus(ctx.ws.id, job.name, via);
  const wsId = ctx.ws.id;
  ctx.later(REAL_TIME_TRANSITION_MS, () => {
    const current = ctx.state.workspaces.get(wsId)?.jobs.get(job.name);
    if (current && current.status === via) ctx.state.setJobStatus(wsId, job.name, to);
  });
}

export function startJob(ctx: DlfContext, name: string): void {
  const job = requireJob(ctx, name);
  if (job.jobType === 'REAL_TIME') transition(ctx, job, 'STARTING', 'NORMAL');
  else ctx.state.setJobStatus(ctx.ws.id, name, 'SCHEDULING');
  sendEmpty(ctx.ex, 204);
}

export function stopJob(ctx: DlfContext, name: string): void {
  const job = requireJob(ctx, name);
  if (job.jobType === 'REAL_TIME' && job.status !== 'STOPPED') transition(ctx, job, 'STOPPING', 'STOPPED');
  else ctx.state.setJobStatus(ctx.ws.id, name, 'STOPPED');
  sendEmpty(ctx.ex, 204);
}

export function runJobOnce(ctx: DlfContext, name: string): void {
  requireJob(ctx, name);
  sendJson(ctx.ex, 200, { instanceId: Math.floor(ctx.state.now() / 1000) });
}

function definitionBody(ctx: DlfContext): { text: string; json: Record<string, unknown> } {
  const json = jsonBody(ctx.ex);
  return { text: ctx.ex.body.toString('utf8'), json };
}

export function createJob(ctx: DlfContext): void {
  const { text, json } = definitionBody(ctx);
  if (typeof json.name !== 'string' || json.name === '') throw dlfError('DLF.3004', 'The job name is blank.');
  if (!JOB_NAME.test(json.name)) throw dlfError('DLF.3018', `The job name is invalid: ${json.name}`);
  if (!Array.isArray(json.nodes) || json.nodes.length === 0) throw dlfError('DLF.1006', 'The job has no nodes.');
  if (ctx.ws.jobs.has(json.name)) throw dlfError('DLF.0102', `The job name is already used: ${json.name}`);
  // Creating a job locks it to the caller (reference §8).
  ctx.state.putJob(ctx.ws.id, text, { status: 'STOPPED', lockedBy: ctx.user, createUser: ctx.user });
  sendEmpty(ctx.ex, 204);
}

export function updateJob(ctx: DlfContext, name: string): void {
  const job = requireJob(ctx, name);
  const { text, json } = definitionBody(ctx);
  if (json.name !== undefined && json.name !== name) throw dlfError('DLF.3051', 'The job name in the body differs from the path.');
  if (ctx.ws.hardLock && job.lockedBy !== undefined && job.lockedBy !== ctx.user) {
    throw dlfError('DLF.3051', `The job ${name} is locked by ${job.lockedBy}.`);
  }
  ctx.state.putJob(ctx.ws.id, json.name === undefined ? withFields(text, { name }) : text, { lockedBy: ctx.user, createUser: ctx.user });
  sendEmpty(ctx.ex, 204);
}

export function deleteJob(ctx: DlfContext, name: string): void {
  requireJob(ctx, name);
  ctx.ws.jobs.delete(name);
  ctx.state.changed();
  sendEmpty(ctx.ex, 204);
}

// ---- export ----

interface ExportOptions {
  exportDepend: boolean;
  submitted: boolean;
  obsPath?: string;
}

function exportOptions(body: Record<string, unknown>): ExportOptions {
  const status = body.exportStatus ?? 'DEVELOP';
  if (status !== 'DEVELOP' && status !== 'SUBMIT') throw dlfError('DLF.3051', 'The request parameter is invalid: exportStatus.');
  if (body.exportDepend !== undefined && typeof body.exportDepend !== 'boolean') throw dlfError('DLF.3051', 'The request parameter is invalid: exportDepend.');
  if (body.obsPath !== undefined && typeof body.obsPath !== 'string') throw dlfError('DLF.3051', 'The request parameter is invalid: obsPath.');
  return { exportDepend: body.exportDepend !== false, submitted: status === 'SUBMIT', obsPath: body.obsPath as string | undefined };
}

function jobText(job: JobRecord, submitted: boolean): string {
  if (!submitted) return job.text;
  if (job.submittedText === undefined) throw dlfError('DLF.3051', notSubmittedMessage(job.name));
  return job.submittedText;
}

/** The job file plus the scripts and resources it uses (those that exist), under the given folders. */
function jobEntries(ctx: DlfContext, job: JobRecord, opts: ExportOptions, folders: { job: string; scripts: string; resources: string }): [string, string][] {
  const text = jobText(job, opts.submitted);
  const entries: [string, string][] = [[`${folders.job}${job.name}.job`, text]];
  if (!opts.exportDepend) return entries;
  const json = text === job.text ? job.json : (JSON.parse(text) as Record<string, unknown>);
  for (const s of scriptsOf(json)) {
    const script = ctx.ws.scripts.get(s);
    if (script) entries.push([`${folders.scripts}${s}.script`, script.text]);
  }
  for (const r of resourcesOf(json)) {
    const resource = ctx.ws.resources.get(r);
    if (resource) entries.push([`${folders.resources}${r}.resource`, resource.text]);
  }
  return entries;
}

async function sendZip(ctx: DlfContext, entries: [string, string][], fileName: string, obsPath: string | undefined): Promise<void> {
  const zip = buildZip(entries);
  if (obsPath !== undefined) {
    const m = /^obs:\/\/([^/]+)\/(.*)$/.exec(obsPath);
    if (!m) throw dlfError('DLF.0803', 'The OBS path is invalid.');
    if (!ctx.state.buckets.has(m[1]!)) throw dlfError('DLF.1242', 'The OBS bucket does not exist.');
    const prefix = m[2]! === '' || m[2]!.endsWith('/') ? m[2]! : `${m[2]!}/`;
    ctx.state.putObsObject(m[1]!, `${prefix}${fileName}`, zip, { contentType: 'application/zip' });
    // (inferred) 200 with an empty body when the zip went to OBS.
    return sendEmpty(ctx.ex, 200);
  }
  const headers = {
    'Content-Type': 'application/octet-stream',
    'Content-Length': String(zip.length),
    'Content-Disposition': `attachment; filename="${fileName}"`,
    'X-Request-Id': ctx.ex.requestId,
  };
  ctx.ex.res.writeHead(200, headers);
  if (ctx.truncate) {
    // Fault: part of the body, then the connection dies.
    ctx.ex.res.write(zip.subarray(0, Math.floor(zip.length / 2)), () => ctx.ex.res.destroy());
    return;
  }
  ctx.ex.res.end(zip);
}

export async function exportJob(ctx: DlfContext, name: string): Promise<void> {
  const job = requireJob(ctx, name);
  const opts = exportOptions(jsonBody(ctx.ex));
  const entries = jobEntries(ctx, job, opts, { job: 'jobs/', scripts: 'scripts/', resources: 'resources/' });
  await sendZip(ctx, entries, exportFileName(name), opts.obsPath);
}

export async function batchExport(ctx: DlfContext): Promise<void> {
  const body = jsonBody(ctx.ex);
  const list = body.jobList;
  if (!Array.isArray(list) || list.length === 0 || list.length > 100 || !list.every((n) => typeof n === 'string')) {
    throw dlfError('DLF.3051', 'The request parameter is invalid: jobList must hold 1 to 100 job names.');
  }
  const opts = exportOptions(body);
  const entries: [string, string][] = [];
  const seen = new Set<string>();
  for (const name of list as string[]) {
    if (seen.has(name)) continue;
    seen.add(name);
    const job = requireJob(ctx, name);
    const folder = `jobs/${name}/`;
    entries.push(...jobEntries(ctx, job, opts, { job: folder, scripts: folder, resources: folder }));
  }
  await sendZip(ctx, entries, exportFileName(), opts.obsPath);
}

// ---- scripts ----

function scriptView(ctx: DlfContext, name: string): string {
  const script = ctx.ws.scripts.get(name);
  if (!script) throw dlfError('DLF.6201', `The script does not exist: ${name}`);
  return withFields(script.text, { autoAcquireLock: true, ...lockInfo(ctx, script.lockedBy) });
}

export function getScript(ctx: DlfContext, name: string): void {
  sendText(ctx.ex, scriptView(ctx, name));
}

/** A stable 32-hex id per script name (the service's ids look like `8abfd8a49035cf8a019035d37b550000`). */
function scriptId(name: string): string {
  return createHash('sha256').update(`script:${name}`).digest('hex').slice(0, 32);
}

export function listScripts(ctx: DlfContext): void {
  const filter = ctx.ex.query.get('scriptName') ?? '';
  const all = [...ctx.ws.scripts.values()].filter((s) => s.name.includes(filter)).sort((a, b) => (a.name < b.name ? -1 : 1));
  // Reference §20: 1–100 a page, each item the whole definition (content included) plus the script's id.
  sendJson(ctx.ex, 200, { total: all.length, scripts: page(ctx, all, 10, 100).map((s) => ({ id: scriptId(s.name), ...s.json })) });
}

export function createScript(ctx: DlfContext): void {
  const { text, json } = definitionBody(ctx);
  if (typeof json.name !== 'string' || json.name === '') throw dlfError('DLF.3051', 'The script name is blank.');
  if (typeof json.type !== 'string') throw dlfError('DLF.6247', 'The script type is not specified.');
  if (ctx.ws.scripts.has(json.name)) throw dlfError('DLF.0202', `The script name is already used: ${json.name}`);
  ctx.state.putScript(ctx.ws.id, text, { lockedBy: ctx.user });
  sendEmpty(ctx.ex, 204);
}

export function updateScript(ctx: DlfContext, name: string): void {
  const script = ctx.ws.scripts.get(name);
  if (!script) throw dlfError('DLF.6201', `The script does not exist: ${name}`);
  if (ctx.ws.hardLock && script.lockedBy !== undefined && script.lockedBy !== ctx.user) throw dlfError('DLF.0203', `The script ${name} is locked by ${script.lockedBy}.`);
  const { text, json } = definitionBody(ctx);
  ctx.state.putScript(ctx.ws.id, json.name === undefined ? withFields(text, { name }) : text, { lockedBy: ctx.user });
  sendEmpty(ctx.ex, 204);
}

export function deleteScript(ctx: DlfContext, name: string): void {
  if (!ctx.ws.scripts.delete(name)) throw dlfError('DLF.6201', `The script does not exist: ${name}`);
  ctx.state.changed();
  sendEmpty(ctx.ex, 204);
}

// ---- resources ----

function findResource(ctx: DlfContext, idOrName: string) {
  const byName = ctx.ws.resources.get(idOrName);
  if (byName) return byName;
  for (const r of ctx.ws.resources.values()) if (r.id === idOrName) return r;
  throw dlfError('DLF.6241', `The resource does not exist: ${idOrName}`);
}

export function getResource(ctx: DlfContext, id: string): void {
  const r = findResource(ctx, id);
  sendText(ctx.ex, withFields(r.text, { id: r.id }));
}

export function listResources(ctx: DlfContext): void {
  const all = [...ctx.ws.resources.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  sendJson(ctx.ex, 200, { total: all.length, resources: page(ctx, all, 10, 1000).map((r) => ({ id: r.id, ...r.json })) });
}

export function createResource(ctx: DlfContext): void {
  const { text, json } = definitionBody(ctx);
  if (typeof json.name !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(json.name)) throw dlfError('DLF.3051', 'The resource name is invalid.');
  if (!['archive', 'file', 'jar'].includes(json.type as string)) throw dlfError('DLF.6263', 'The resource type is invalid.');
  if (typeof json.location !== 'string' || !json.location.startsWith('obs://')) throw dlfError('DLF.6264', 'The resource OBS path is invalid.');
  if (ctx.ws.resources.has(json.name)) throw dlfError('DLF.6259', 'A resource with the same name exists in the directory.');
  const r = ctx.state.putResource(ctx.ws.id, text, { lockedBy: ctx.user });
  sendJson(ctx.ex, 200, { resourceId: r.id });
}

export function updateResource(ctx: DlfContext, id: string): void {
  const r = findResource(ctx, id);
  const { text, json } = definitionBody(ctx);
  if (json.name !== undefined && json.name !== r.name) throw dlfError('DLF.3051', 'Renaming a resource is not supported.');
  ctx.state.putResource(ctx.ws.id, json.name === undefined ? withFields(text, { name: r.name }) : text);
  sendEmpty(ctx.ex, 204);
}

export function deleteResource(ctx: DlfContext, id: string): void {
  const r = findResource(ctx, id);
  ctx.ws.resources.delete(r.name);
  ctx.state.changed();
  sendEmpty(ctx.ex, 204);
}

// ---- connections (reference §18) ----

const CONNECTION_NAME = /^[A-Za-z0-9_-]{1,100}$/;

function connectionView(c: ConnectionRecord) {
  // Secrets come back masked (reference §18).
  const config: Record<string, unknown> = { ...(c.config ?? {}) };
  for (const k of Object.keys(config)) if (/password|secret|sk$/i.test(k)) config[k] = '*********';
  if (!('password' in config)) config.password = '*********';
  return { name: c.name, type: c.type, config, description: c.description ?? '' };
}

export function listConnections(ctx: DlfContext): void {
  const filter = ctx.ex.query.get('connectionName') ?? '';
  const all = [...ctx.ws.connections.values()].filter((c) => c.name.includes(filter)).sort((a, b) => (a.name < b.name ? -1 : 1));
  sendJson(ctx.ex, 200, { total: all.length, connections: page(ctx, all, 10, 100).map(connectionView) });
}

export function getConnection(ctx: DlfContext, name: string): void {
  const c = ctx.ws.connections.get(name);
  if (!c) throw dlfError('DLF.6322', `The data connection does not exist: ${name}`);
  sendJson(ctx.ex, 200, connectionView(c));
}

/** `{name, type, config?, description?}` of a create or update body (reference §18 field names). */
function connectionBody(ctx: DlfContext, name?: string): ConnectionRecord {
  const body = jsonBody(ctx.ex);
  const n = body.name ?? name;
  if (typeof n !== 'string' || !CONNECTION_NAME.test(n)) throw dlfError('DLF.3051', 'The request parameter is invalid: name.');
  if (name !== undefined && n !== name) throw dlfError('DLF.3051', 'The connection name in the body differs from the path.');
  if (typeof body.type !== 'string' || body.type === '') throw dlfError('DLF.3051', 'The request parameter is invalid: type.');
  const config = body.config !== null && typeof body.config === 'object' && !Array.isArray(body.config) ? (body.config as Record<string, unknown>) : undefined;
  return { name: n, type: body.type, config, description: typeof body.description === 'string' ? body.description : undefined };
}

/** (inferred) POST /connections with the list's fields; 204; a name in use → DLF.3051. */
export function createConnection(ctx: DlfContext): void {
  const c = connectionBody(ctx);
  if (ctx.ws.connections.has(c.name)) throw dlfError('DLF.3051', `The data connection name is already used: ${c.name}`);
  ctx.state.addConnection(ctx.ws.id, c);
  sendEmpty(ctx.ex, 204);
}

export function updateConnection(ctx: DlfContext, name: string): void {
  if (!ctx.ws.connections.has(name)) throw dlfError('DLF.6322', `The data connection does not exist: ${name}`);
  ctx.state.addConnection(ctx.ws.id, connectionBody(ctx, name));
  sendEmpty(ctx.ex, 204);
}

export function deleteConnection(ctx: DlfContext, name: string): void {
  if (!ctx.ws.connections.delete(name)) throw dlfError('DLF.6322', `The data connection does not exist: ${name}`);
  ctx.state.changed();
  sendEmpty(ctx.ex, 204);
}

export function newTaskId(): string {
  return randomBytes(16).toString('hex');
}
