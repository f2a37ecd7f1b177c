/**
 * Everything the emulator knows: workspaces with their jobs, scripts, resources and connections,
 * OBS buckets, IAM tokens and system tasks. Tests read and change it directly through the helpers;
 * every change sets lastUpdateTime = now and notifies `onChange` (persistence).
 */
import { createHash } from 'node:crypto';

export type JobType = 'BATCH' | 'REAL_TIME';

export interface JobRecord {
  name: string;
  /** The job file text exactly as stored (what export returns). */
  text: string;
  json: Record<string, unknown>;
  jobType: JobType;
  status: string;
  directory: string;
  createTime: number;
  lastUpdateTime: number;
  createUser: string;
  lastUpdateUser: string;
  /** Numeric id returned by Show Job. */
  id: number;
  lockedBy?: string;
  tags?: string[];
  /** Text of the submitted version (exportStatus SUBMIT); undefined = never submitted. */
  submittedText?: string;
  targetStatus?: string;
}

export interface ScriptRecord {
  name: string;
  text: string;
  json: Record<string, unknown>;
  lockedBy?: string;
  lastUpdateTime: number;
}

export interface ResourceRecord {
  name: string;
  id: string;
  text: string;
  json: Record<string, unknown>;
  lockedBy?: string;
  lastUpdateTime: number;
}

export interface ConnectionRecord {
  name: string;
  type: string;
  config?: Record<string, unknown>;
  description?: string;
}

export interface Workspace {
  id: string;
  jobs: Map<string, JobRecord>;
  scripts: Map<string, ScriptRecord>;
  resources: Map<string, ResourceRecord>;
  connections: Map<string, ConnectionRecord>;
  hardLock: boolean;
  lockedTags: Set<string>;
  approval: boolean;
  /** Id of the RUNNING import task, if any. */
  runningImport?: string;
}

export interface ObsObject {
  data: Buffer;
  etag: string;
  contentType: string;
  lastModified: number;
  /** User metadata sent as `x-obs-meta-{name}` (names lower-case), returned on GET and HEAD. */
  meta?: Record<string, string>;
}

export interface SubtaskRecord {
  id: string;
  name: string;
  status: string;
  message?: string;
  lastUpdate: number;
  taskId: string;
  startTime?: number;
  endTime?: number;
}

export interface SystemTaskRecord {
  id: string;
  name: string;
  status: 'RUNNING' | 'SUCCESSFUL' | 'FAILED' | 'WARNING';
  message?: string;
  startTime: number;
  endTime?: number;
  lastUpdate: number;
  projectId: string;
  workspace: string;
  subtasks: SubtaskRecord[];
}

export interface TokenRecord {
  user: string;
  expiresAt: number;
  revoked: boolean;
}

export interface PutJobExtra {
  status?: string;
  lockedBy?: string;
  createTime?: number;
  lastUpdateTime?: number;
  createUser?: string;
  submittedText?: string;
  targetStatus?: string;
}

function parseObject(text: string, what: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

function toText(input: string | Record<string, unknown>): { text: string; json: Record<string, unknown> } {
  if (typeof input === 'string') return { text: input, json: parseObject(input, 'definition') };
  return { text: JSON.stringify(input, null, 2), json: input };
}

export class EmulatorState {
  readonly workspaces = new Map<string, Workspace>();
  readonly buckets = new Map<string, Map<string, ObsObject>>();
  readonly tasks = new Map<string, SystemTaskRecord>();
  readonly tokens = new Map<string, TokenRecord>();
  /** Number of IAM token calls. */
  tokenRequests = 0;
  /** Body of every import call, in order. */
  readonly importCalls: unknown[] = [];
  /** Called after every change (persistence hooks in here). */
  onChange: () => void = () => {};
  private nextJobId = 1_000_001;

  constructor(
    readonly defaultUser: string,
    readonly now: () => number = Date.now,
  ) {}

  /** Bumped on every change; caches of derived views compare it. */
  revision = 0;

  changed(): void {
    this.revision += 1;
    this.onChange();
  }

  workspace(id: string): Workspace {
    const ws = this.workspaces.get(id);
    if (!ws) throw new Error(`unknown workspace ${id}`);
    return ws;
  }

  addWorkspace(id: string): Workspace {
    let ws = this.workspaces.get(id);
    if (!ws) {
      ws = { id, jobs: new Map(), scripts: new Map(), resources: new Map(), connections: new Map(), hardLock: false, lockedTags: new Set(), approval: false };
      this.workspaces.set(id, ws);
      this.changed();
    }
    return ws;
  }

  putJob(wsId: string, jobJsonOrText: string | Record<string, unknown>, extra: PutJobExtra = {}): JobRecord {
    const ws = this.workspace(wsId);
    const { text, json } = toText(jobJsonOrText);
    const name = json.name;
    if (typeof name !== 'string' || name === '') throw new Error('job definition has no name');
    const now = this.now();
    const old = ws.jobs.get(name);
    const basic = (json.basicConfig ?? {}) as Record<string, unknown>;
    const tags = Array.isArray(basic.tags) ? (basic.tags as unknown[]).filter((t): t is string => typeof t === 'string') : undefined;
    const record: JobRecord = {
      name,
      text,
      json,
      jobType: json.processType === 'REAL_TIME' ? 'REAL_TIME' : 'BATCH',
      status: extra.status ?? old?.status ?? 'STOPPED',
      directory: typeof json.directory === 'string' && json.directory !== '' ? json.directory : '/',
      createTime: extra.createTime ?? old?.createTime ?? now,
      lastUpdateTime: extra.lastUpdateTime ?? now,
      createUser: extra.createUser ?? old?.createUser ?? this.defaultUser,
      lastUpdateUser: extra.createUser ?? this.defaultUser,
      id: old?.id ?? this.nextJobId++,
      lockedBy: 'lockedBy' in extra ? extra.lockedBy : old?.lockedBy,
      tags,
      submittedText: extra.submittedText ?? old?.submittedText,
      targetStatus: extra.targetStatus ?? old?.targetStatus,
    };
    ws.jobs.set(name, record);
    this.changed();
    return record;
  }

  putScript(wsId: string, scriptJsonOrText: string | Record<string, unknown>, extra: { lockedBy?: string } = {}): ScriptRecord {
    const ws = this.workspace(wsId);
    const { text, json } = toText(scriptJsonOrText);
    const name = json.name;
    if (typeof name !== 'string' || name === '') throw new Error('script definition has no name');
    const old = ws.scripts.get(name);
    const record: ScriptRecord = { name, text, json, lockedBy: 'lockedBy' in extra ? extra.lockedBy : old?.lockedBy, lastUpdateTime: this.now() };
    ws.scripts.set(name, record);
    this.changed();
    return record;
  }

  putResource(wsId: string, resourceJsonOrText: string | Record<string, unknown>, extra: { lockedBy?: string } = {}): ResourceRecord {
    const ws = this.workspace(wsId);
    const { text, json } = toText(resourceJsonOrText);
    const name = json.name;
    if (typeof name !== 'string' || name === '') throw new Error('resource definition has no name');
    const old = ws.resources.get(name);
    const id = old?.id ?? createHash('md5').update(`${wsId}/${name}`).digest('hex');
    const record: ResourceRecord = { name, id, text, json, lockedBy: 'lockedBy' in extra ? extra.lockedBy : old?.lockedBy, lastUpdateTime: this.now() };
    ws.resources.set(name, record);
    this.changed();
    return record;
  }

  private job(wsId: string, name: string): JobRecord {
    const job = this.workspace(wsId).jobs.get(name);
    if (!job) throw new Error(`unknown job ${name} in workspace ${wsId}`);
    return job;
  }

  setJobStatus(wsId: string, name: string, status: string): void {
    const job = this.job(wsId, name);
    if (job.status === status) return;
    job.status = status;
    job.lastUpdateTime = this.now();
    this.changed();
  }

  lockJob(wsId: string, name: string, user: string | undefined): void {
    const job = this.job(wsId, name);
    job.lockedBy = user;
    job.lastUpdateTime = this.now();
    this.changed();
  }

  lockScript(wsId: string, name: string, user: string | undefined): void {
    const script = this.workspace(wsId).scripts.get(name);
    if (!script) throw new Error(`unknown script ${name} in workspace ${wsId}`);
    script.lockedBy = user;
    script.lastUpdateTime = this.now();
    this.changed();
  }

  setHardLock(wsId: string, on: boolean): void {
    this.workspace(wsId).hardLock = on;
    this.changed();
  }

  setApproval(wsId: string, on: boolean): void {
    this.workspace(wsId).approval = on;
    this.changed();
  }

  lockTag(wsId: string, tag: string): void {
    this.workspace(wsId).lockedTags.add(tag);
    this.changed();
  }

  addConnection(wsId: string, connection: ConnectionRecord): void {
    const { name, type, config, description } = connection;
    this.workspace(wsId).connections.set(name, { name, type, ...(config ? { config } : {}), ...(description !== undefined ? { description } : {}) });
    this.changed();
  }

  addBucket(bucket: string): void {
    if (!this.buckets.has(bucket)) {
      this.buckets.set(bucket, new Map());
      this.changed();
    }
  }

  putObsObject(bucket: string, key: string, data: Buffer, options: { contentType?: string; meta?: Record<string, string> } = {}): ObsObject {
    const objects = this.buckets.get(bucket);
    if (!objects) throw new Error(`unknown bucket ${bucket}`);
    const contentType = options.contentType ?? 'application/octet-stream';
    const object: ObsObject = { data, etag: `"${createHash('md5').update(data).digest('hex')}"`, contentType, lastModified: this.now(), ...(options.meta ? { meta: options.meta } : {}) };
    objects.set(key, object);
    this.changed();
    return object;
  }

  deleteObsObject(bucket: string, key: string): boolean {
    const removed = this.buckets.get(bucket)?.delete(key) ?? false;
    if (removed) this.changed();
    return removed;
  }

  obsObject(bucket: string, key: string): Buffer | undefined {
    return this.buckets.get(bucket)?.get(key)?.data;
  }

  obsKeys(bucket: string): string[] {
    return [...(this.buckets.get(bucket)?.keys() ?? [])].sort();
  }

  /** Invalidate every token issued so far (the next call with one gets 401). */
  revokeTokens(): void {
    for (const token of this.tokens.values()) token.revoked = true;
  }
}
