/**
 * check-file, import (an asynchronous system task with one subtask per job) and system-tasks
 * (reference §4-§6, §15, §16, §18).
 */
import {
  APPROVAL_REQUIRED_ERROR,
  IMPORT_ALREADY_RUNNING_ERROR,
  IMPORT_MAX_UNPACKED_BYTES,
  IMPORT_MAX_ZIPPED_BYTES,
  IMPORT_SIZE_LIMIT_ERROR,
  IMPORT_SUBTASK_MESSAGES as MSG,
  importSubtaskName,
  importTaskName,
  REBIND_FIELDS,
  SUBTASK_PENDING_STATUS,
  type ServiceError,
} from './service-readings.js';
import { interpretArchive, type ArchiveFile, type ArchiveJob, type ImportArchive } from './archive.js';
import type { DlfContext } from './dataarts.js';
import { newTaskId } from './dataarts.js';
import { dlfError, HttpError, jsonBody, sendJson } from './http.js';
import { parseLossless, stringifyLossless } from './json-text.js';
import type { EmulatorState, SystemTaskRecord, Workspace } from './state.js';
import { readZip, ZipTooLargeError } from './zip.js';

const inferred = (e: ServiceError) => new HttpError(e.status, e.errorCode, e.message);

/** The bucket and key an `obs://bucket/key` path names, checked as the import call checks them. */
function stagedLocation(state: EmulatorState, path: unknown): { bucket: string; key: string } {
  const m = typeof path === 'string' ? /^obs:\/\/([^/]+)\/(.+)$/.exec(path) : null;
  if (!m) throw dlfError('DLF.0803', 'The OBS path is invalid.');
  if (!state.buckets.has(m[1]!)) throw dlfError('DLF.1242', 'The OBS bucket does not exist.');
  return { bucket: m[1]!, key: m[2]! };
}

/** The staged object's bytes, as they are now (the import call checks it; the task reads it again). */
function stagedBytes(state: EmulatorState, path: unknown): Buffer {
  const { bucket, key } = stagedLocation(state, path);
  const data = state.obsObject(bucket, key);
  if (!data) throw dlfError('DLF.0815', 'Fail to read OBS file.');
  if (data.length > IMPORT_MAX_ZIPPED_BYTES) throw inferred(IMPORT_SIZE_LIMIT_ERROR);
  return data;
}

/** Unpack and interpret staged bytes. */
async function interpretStaged(data: Buffer): Promise<ImportArchive> {
  let files: Map<string, Buffer>;
  try {
    files = await readZip(data, IMPORT_MAX_UNPACKED_BYTES);
  } catch (err) {
    if (err instanceof ZipTooLargeError) throw inferred(IMPORT_SIZE_LIMIT_ERROR);
    throw dlfError('DLF.0815', 'Fail to read OBS file.');
  }
  return interpretArchive(files);
}

/** Load and interpret the archive an `obs://bucket/key` path names. */
async function loadArchive(state: EmulatorState, path: unknown): Promise<ImportArchive> {
  return interpretStaged(stagedBytes(state, path));
}

function tryParse(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function paramsMap(job: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of Array.isArray(job.params) ? (job.params as Record<string, unknown>[]) : []) {
    if (typeof p?.name === 'string') out[p.name] = String(p.value ?? '');
  }
  return out;
}

export async function checkFile(ctx: DlfContext): Promise<void> {
  const archive = await loadArchive(ctx.state, jsonBody(ctx.ex).path);
  const jobs = archive.jobs.map((j) => {
    const json = tryParse(j.text) ?? {};
    return { name: j.name, path: typeof json.directory === 'string' ? json.directory : '/', params: paramsMap(json) };
  });
  const scripts = [...archive.jobs.flatMap((j) => j.scripts), ...archive.looseScripts].map((s) => {
    const json = tryParse(s.text) ?? {};
    return { name: s.name, path: typeof json.directory === 'string' ? json.directory : '/' };
  });
  sendJson(ctx.ex, 200, { jobs, scripts });
}

interface ImportRequest {
  path: string;
  params: Record<string, string>;
  sameNamePolicy: 'SKIP' | 'OVERWRITE';
  jobsParam: Map<string, Record<string, string>>;
  executeUser?: string;
  targetStatus?: string;
  resources: { name: string; type: string; replace: string }[];
}

function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw dlfError('DLF.3051', `The request parameter is invalid: ${field}.`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

function parseImportRequest(body: Record<string, unknown>, ws: Workspace): ImportRequest {
  const policy = body.sameNamePolicy ?? 'SKIP';
  if (policy !== 'SKIP' && policy !== 'OVERWRITE') throw dlfError('DLF.3051', 'The request parameter is invalid: sameNamePolicy.');
  const targetStatus = body.targetStatus;
  if (targetStatus !== undefined && !['SAVED', 'SUBMITTED', 'PRODUCTION'].includes(targetStatus as string)) throw dlfError('DLF.3051', 'The request parameter is invalid: targetStatus.');
  if (ws.approval && (targetStatus === undefined || !Array.isArray(body.approvers) || body.approvers.length === 0)) throw inferred(APPROVAL_REQUIRED_ERROR);
  const jobsParam = new Map<string, Record<string, string>>();
  if (body.jobsParam !== undefined) {
    if (!Array.isArray(body.jobsParam)) throw dlfError('DLF.3051', 'The request parameter is invalid: jobsParam.');
    for (const jp of body.jobsParam as Record<string, unknown>[]) {
      if (typeof jp?.name !== 'string') throw dlfError('DLF.3051', 'The request parameter is invalid: jobsParam.name.');
      jobsParam.set(jp.name, stringMap(jp.params, 'jobsParam.params'));
    }
  }
  const resources: ImportRequest['resources'] = [];
  if (body.resources !== undefined) {
    if (!Array.isArray(body.resources)) throw dlfError('DLF.3051', 'The request parameter is invalid: resources.');
    for (const r of body.resources as Record<string, unknown>[]) {
      if (typeof r?.name !== 'string' || typeof r.type !== 'string' || !(r.type in REBIND_FIELDS)) throw dlfError('DLF.3051', 'The request parameter is invalid: resources.');
      if (typeof r.replace === 'string') resources.push({ name: r.name, type: r.type, replace: r.replace });
    }
  }
  return {
    path: body.path as string,
    params: stringMap(body.params, 'params'),
    sameNamePolicy: policy,
    jobsParam,
    executeUser: typeof body.executeUser === 'string' ? body.executeUser : undefined,
    targetStatus: targetStatus as string | undefined,
    resources,
  };
}

/** Rewrite references named by the `resources` rebinding list, anywhere in a definition. */
function rebind(value: unknown, rules: ImportRequest['resources']): boolean {
  let changed = false;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    for (const rule of rules) {
      const fields = REBIND_FIELDS[rule.type]!;
      // Node properties: {name: 'connectionName', value: 'dev_dws'}
      if (typeof obj.name === 'string' && fields.includes(obj.name) && obj.value === rule.name) {
        obj.value = rule.replace;
        changed = true;
      }
      for (const f of fields) {
        if (obj[f] === rule.name) {
          obj[f] = rule.replace;
          changed = true;
        }
      }
    }
    for (const v of Object.values(obj)) visit(v);
  };
  visit(value);
  return changed;
}

function setParams(job: Record<string, unknown>, values: Record<string, string>): void {
  const params = Array.isArray(job.params) ? (job.params as Record<string, unknown>[]) : [];
  for (const [name, value] of Object.entries(values)) {
    const existing = params.find((p) => p?.name === name);
    if (existing) existing.value = value;
    else params.push({ name, value, type: 'variable' }); // (inferred) unknown names are added
  }
  job.params = params;
}

/** The job text to store: the archive text unless something had to change in it. */
function preparedJobText(text: string, name: string, req: ImportRequest): string {
  const perJob = req.jobsParam.get(name);
  const needsEdit = Object.keys(req.params).length > 0 || perJob !== undefined || req.executeUser !== undefined || req.resources.length > 0;
  if (!needsEdit) return text;
  const job = parseLossless(text) as Record<string, unknown>;
  let changed = false;
  if (Object.keys(req.params).length > 0) setParams(job, req.params), (changed = true);
  if (perJob) setParams(job, perJob), (changed = true);
  if (req.executeUser !== undefined) {
    job.basicConfig = { ...((job.basicConfig as Record<string, unknown>) ?? {}), executeUser: req.executeUser };
    changed = true;
  }
  if (rebind(job, req.resources)) changed = true;
  return changed ? stringifyLossless(job) : text;
}

function preparedScriptText(text: string, req: ImportRequest): string {
  if (req.resources.length === 0) return text;
  const script = parseLossless(text);
  return rebind(script, req.resources) ? stringifyLossless(script) : text;
}

/** Where one import task works: the state, the target workspace, the caller and the request. */
interface ImportScope {
  state: EmulatorState;
  ws: Workspace;
  user: string;
  req: ImportRequest;
}

/** Why a job cannot be imported, or undefined. Checks the job and the scripts it brings. */
function refusal(scope: ImportScope, job: ArchiveJob, json: Record<string, unknown>): string | undefined {
  const { ws, user, req } = scope;
  const existing = ws.jobs.get(job.name);
  if (existing && req.sameNamePolicy === 'OVERWRITE') {
    if (existing.status !== 'STOPPED') return MSG.notStopped(job.name, existing.status);
    if (ws.hardLock && existing.lockedBy !== undefined && existing.lockedBy !== user) return MSG.lockedByOther('job', job.name, existing.lockedBy);
  }
  if (req.sameNamePolicy === 'OVERWRITE' && ws.hardLock) {
    for (const s of job.scripts) {
      const script = ws.scripts.get(s.name);
      if (script?.lockedBy !== undefined && script.lockedBy !== user) return MSG.lockedByOther('script', s.name, script.lockedBy);
    }
  }
  const basic = (json.basicConfig ?? {}) as Record<string, unknown>;
  const tags = Array.isArray(basic.tags) ? (basic.tags as unknown[]).filter((t): t is string => typeof t === 'string') : [];
  const locked = tags.filter((t) => ws.lockedTags.has(t));
  if (locked.length > 0) return MSG.lockedTag(job.name, locked);
  return undefined;
}

function importDependents(scope: ImportScope, files: ArchiveFile[], kind: 'script' | 'resource'): void {
  const { state, ws, user, req } = scope;
  for (const file of files) {
    const exists = kind === 'script' ? ws.scripts.has(file.name) : ws.resources.has(file.name);
    if (exists && req.sameNamePolicy === 'SKIP') continue;
    const text = kind === 'script' ? preparedScriptText(file.text, req) : file.text;
    if (!tryParse(text)) continue;
    if (kind === 'script') state.putScript(ws.id, text, { lockedBy: user });
    else state.putResource(ws.id, text, { lockedBy: user });
  }
}

/** Process one job of the task; returns the subtask status and message. */
function importOne(scope: ImportScope, job: ArchiveJob, runtime: ImportRuntime): { ok: boolean; message: string } {
  const { state, ws, user, req } = scope;
  const json = tryParse(job.text);
  if (!json) return { ok: false, message: MSG.invalidJob(job.entry, 'not a JSON object') };
  if (json.name !== job.name) return { ok: false, message: MSG.invalidJob(job.entry, `the job name inside is ${JSON.stringify(json.name)}`) };
  const existing = ws.jobs.get(job.name);
  if (existing && req.sameNamePolicy === 'SKIP') return { ok: true, message: MSG.skipped(job.name) };
  const reason = refusal(scope, job, json);
  if (reason) return { ok: false, message: reason };
  importDependents(scope, job.scripts, 'script');
  importDependents(scope, job.resources, 'resource');
  const prepared = preparedJobText(job.text, job.name, req);
  const alteredText = runtime.alterOnImport.has(job.name) ? altered(prepared) : prepared;
  const text = runtime.bumpIdOnImport.has(job.name) ? bumpedId(alteredText) : alteredText;
  // Import overwrites the development state and submits a new version (reference §15).
  state.putJob(ws.id, text, {
    status: existing?.status ?? 'STOPPED',
    lockedBy: user,
    createUser: user,
    submittedText: text,
    targetStatus: req.targetStatus,
  });
  return { ok: true, message: existing ? MSG.overwritten(job.name) : MSG.created(job.name) };
}

export interface ImportRuntime {
  importDelayMs: number;
  later(ms: number, fn: () => void): void;
  /** Jobs whose stored definition is changed slightly on import (alterOnImport). */
  alterOnImport: Set<string>;
  /** Jobs whose taskWorkGroupId is stored 3 higher on import (bumpIdOnImport). */
  bumpIdOnImport: Set<string>;
}

/**
 * How system-task answers look (reference §6, §19): DGC's model reads `subtasks` with times in ms,
 * DLF's `subTasks` with times as strings; subtask names and messages are documented nowhere, so
 * `prefixed` chooses between this project's inferred forms ("Import the X job.", "created: …")
 * and plain ones (the job name; a message without an outcome word).
 */
export interface TaskShape {
  /**
   * `dgc`: `subtasks`, times in ms; job status `startTime`, `nodes[].type`.
   * `dlf`: `subTasks`, times as strings; job status `starttime`, `nodes[].nodeType`.
   */
  model: 'dgc' | 'dlf';
  prefixed: boolean;
}
export const DEFAULT_TASK_SHAPE: TaskShape = { model: 'dgc', prefixed: true };

/**
 * (inferred, test setting) The change alterOnImport makes: a `description` that says so, so the
 * stored job differs from the imported file as a real service's normalisation might.
 */
function altered(text: string): string {
  const job = parseLossless(text) as Record<string, unknown>;
  return stringifyLossless({ ...job, description: `${typeof job.description === 'string' ? job.description : ''} (changed by the emulator on import)`.trim() });
}

/**
 * (test setting) The change bumpIdOnImport makes: `taskWorkGroupId` 3 higher, digit for digit in
 * the text (a 64-bit id whose double is the same: only an exact comparison sees it).
 */
function bumpedId(text: string): string {
  return text.replace(/("taskWorkGroupId"\s*:\s*)(\d+)/, (_, key: string, id: string) => `${key}${(BigInt(id) + 3n).toString()}`);
}

/**
 * The import call: checks the request and that the staged object is there and readable (the
 * documented call errors), starts the task and answers with its id. The task reads the object
 * again when it runs (after importDelayMs), as a service working asynchronously does: an object
 * removed meanwhile fails the task with "Fail to read OBS file." (inferred), so a client that
 * deletes its staged archive while the task runs is caught.
 */
export async function startImport(ctx: DlfContext, runtime: ImportRuntime): Promise<void> {
  const body = jsonBody(ctx.ex);
  ctx.state.importCalls.push(body);
  if (ctx.ws.runningImport !== undefined) throw inferred(IMPORT_ALREADY_RUNNING_ERROR);
  const req = parseImportRequest(body, ctx.ws);
  await interpretStaged(stagedBytes(ctx.state, body.path));
  // Re-check after the await: another call may have started meanwhile.
  if (ctx.ws.runningImport !== undefined) throw inferred(IMPORT_ALREADY_RUNNING_ERROR);
  const now = ctx.state.now();
  const taskId = newTaskId();
  const task: SystemTaskRecord = { id: taskId, name: importTaskName(req.path), status: 'RUNNING', startTime: now, lastUpdate: now, projectId: ctx.projectId, workspace: ctx.ws.id, subtasks: [] };
  ctx.state.tasks.set(taskId, task);
  ctx.ws.runningImport = taskId;
  const scope: ImportScope = { state: ctx.state, ws: ctx.ws, user: ctx.user, req };
  runtime.later(runtime.importDelayMs, () => {
    loadArchive(scope.state, req.path).then(
      (archive) => runTask(scope, { task, archive, runtime }),
      (err: unknown) => endTask(scope, task, { failed: true, message: err instanceof HttpError ? err.message : 'Fail to read OBS file.' }),
    );
  });
  sendJson(ctx.ex, 200, { taskId });
}

/** One job per step, importDelayMs apart, then the loose scripts and resources. */
function runTask(scope: ImportScope, t: { task: SystemTaskRecord; archive: ImportArchive; runtime: ImportRuntime }): void {
  const { task, archive, runtime } = t;
  const { state } = scope;
  const start = state.now();
  task.subtasks = archive.jobs.map((j) => ({ id: newTaskId(), name: importSubtaskName(j.name), status: SUBTASK_PENDING_STATUS, lastUpdate: start, taskId: task.id, startTime: start }));
  let index = 0;
  const step = (): void => {
    const time = state.now();
    if (index < archive.jobs.length) {
      const outcome = importOne(scope, archive.jobs[index]!, runtime);
      Object.assign(task.subtasks[index]!, { status: outcome.ok ? 'SUCCESSFUL' : 'FAILED', message: outcome.message, lastUpdate: time, endTime: time });
      task.lastUpdate = time;
      index += 1;
      return runtime.later(runtime.importDelayMs, step);
    }
    importDependents(scope, archive.looseScripts, 'script');
    importDependents(scope, archive.looseResources, 'resource');
    const failed = task.subtasks.filter((s) => s.status === 'FAILED').length;
    // (inferred) FAILED when any subtask failed.
    endTask(scope, task, { failed: failed > 0, message: failed > 0 ? `${failed} of ${task.subtasks.length} jobs failed to import.` : `${task.subtasks.length} jobs imported.` });
  };
  step();
}

function endTask(scope: ImportScope, task: SystemTaskRecord, end: { failed: boolean; message: string }): void {
  const time = scope.state.now();
  task.status = end.failed ? 'FAILED' : 'SUCCESSFUL';
  task.message = end.message;
  task.endTime = time;
  task.lastUpdate = time;
  scope.ws.runningImport = undefined;
  scope.state.changed();
}

const TIME_FIELDS = ['startTime', 'endTime', 'lastUpdate'] as const;

function withTimes(record: object, model: TaskShape['model']): Record<string, unknown> {
  const out: Record<string, unknown> = { ...record };
  if (model === 'dlf') for (const f of TIME_FIELDS) if (typeof out[f] === 'number') out[f] = String(out[f]);
  return out;
}

/** (inferred) A plain subtask message: the outcome in words, without the `created:`-style prefix. */
function plainMessage(message: string | undefined): string | undefined {
  return message?.replace(/^(created|overwritten|skipped|failed):\s*/, '');
}

/** The task as the shape setting spells it. */
export function taskView(task: SystemTaskRecord, shape: TaskShape): Record<string, unknown> {
  const { workspace: _ws, subtasks, ...rest } = task;
  const subs = subtasks.map((s) => {
    const plain = shape.prefixed ? s : { ...s, name: /^Import the (.+) job\.$/.exec(s.name)?.[1] ?? s.name, message: plainMessage(s.message) };
    return withTimes(plain, shape.model);
  });
  return { ...withTimes(rest, shape.model), [shape.model === 'dlf' ? 'subTasks' : 'subtasks']: subs };
}

export function getSystemTask(ctx: DlfContext, id: string, shape: TaskShape = DEFAULT_TASK_SHAPE): void {
  const task = ctx.state.tasks.get(id);
  if (!task || task.projectId !== ctx.projectId) throw dlfError('DLF.0810', 'The queried task does not exist.');
  sendJson(ctx.ex, 200, taskView(task, shape));
}
