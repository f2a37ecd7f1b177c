/**
 * The local DataArts Factory emulator: one node:http server on loopback serving DataArts Factory
 * v1 (`/v1/{project_id}/...`), IAM (`POST /v3/auth/tokens`) and OBS (path style `/{bucket}/{key}`).
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { UsageError } from '../errors.js';
import { PROJECT_MISMATCH_ERROR, RATE_LIMIT_CODE, rateLimitMessage, UNKNOWN_API_ERROR, type OffsetReading } from './service-readings.js';
import { authenticate } from './auth.js';
import * as dlf from './dataarts.js';
import type { DlfContext } from './dataarts.js';
import { FaultInjector, type FaultSettings } from './faults.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpError, readBody, sendError, type Exchange } from './http.js';
import { handleIam } from './iam.js';
import { checkFile, getSystemTask, startImport, DEFAULT_TASK_SHAPE, type TaskShape } from './import.js';
import { handleObs } from './obs.js';
import { isIP } from 'node:net';
import { loadState, persistTo } from './persist.js';
import { Prng } from './prng.js';
import { RateLimiter } from './rate-limit.js';
import { seedWorkspace } from './seed.js';
import { seedSecretJobs } from './seed-secrets.js';
import { EmulatorState } from './state.js';

export { EmulatorState } from './state.js';
export type { TaskShape } from './import.js';

export const EMULATOR_DEFAULTS = {
  projectId: '0123456789abcdef0123456789abcdef',
  ak: 'EMULATORAK0000000001',
  sk: 'emulatorSecretKey0000000000000000000000001',
  username: 'emulator-user',
  password: 'emulator-password',
  domain: 'emulator-domain',
  bucket: 'dataarts-staging',
  defaultWorkspace: 'default',
} as const;

/** (inferred) project name accepted in an IAM token scope. */
export const EMULATOR_PROJECT_NAME = 'cn-north-4';

export interface EmulatorOptions {
  port?: number;
  host?: string;
  seedJobs?: number;
  seedWorkspace?: string;
  seed?: number;
  /** Seed the `--seed-secrets` jobs (planted credentials, seed-secrets.ts) into the seed workspace. */
  seedSecrets?: boolean;
  workspaces?: string[];
  listPageCap?: number;
  /** How list calls read `offset`: record offset (default) or page number from 0 / from 1. */
  listOffset?: OffsetReading;
  /** Add the inferred lock fields to Show Job and Get Script (default off, as in every official model). */
  lockFields?: boolean;
  /** Connections to create: workspace → [{name, type}] (workspaces are created as needed). */
  connections?: { workspace: string; name: string; type: string }[];
  /** Shape of system-task answers (see TaskShape). */
  taskShape?: Partial<TaskShape>;
  /** Jobs whose stored definition the emulator changes slightly when they are imported (read-back tests). */
  alterOnImport?: string[];
  /** Jobs whose 64-bit `taskWorkGroupId` the emulator stores 3 higher when they are imported (exact read-back tests). */
  bumpIdOnImport?: string[];
  latencyMs?: number;
  rateLimits?: boolean;
  /**
   * Multiplies every per-user limit (default 1, the reference's table), for a client paced with
   * the same DATAARTS_RATE_SCALE: the limits stay enforced, at a pace a test can afford.
   */
  rateScale?: number;
  faults?: FaultSettings;
  importDelayMs?: number;
  tokenTtlMs?: number;
  dataDir?: string;
  credentials?: Partial<{ projectId: string; ak: string; sk: string; username: string; password: string; domain: string }>;
  /** Called with every request log entry as it is recorded (the CLI's --request-log). */
  onRequest?: (entry: RequestLogEntry) => void;
  /**
   * How many entries `requests` keeps, the newest (default REQUEST_LOG_LIMIT): a `dataarts
   * emulator` left running for a day of rehearsals stays the same size. `onRequest` sees every one.
   */
  requestLogLimit?: number;
}

/** Enough for any one test's requests (the largest reads a few hundred) at a few MB at most. */
const REQUEST_LOG_LIMIT = 10_000;

export interface RequestLogEntry {
  time: number;
  method: string;
  path: string;
  query: Record<string, string>;
  workspace?: string;
  status: number;
  errorCode?: string;
  authKind: 'aksk' | 'token' | 'obs' | 'none';
  body?: unknown;
}

export interface Emulator {
  url: string;
  credentials: { projectId: string; ak: string; sk: string; username: string; password: string; domain: string; bucket: string };
  state: EmulatorState;
  /** The newest requests, oldest first (at most `requestLogLimit`); tests may empty it. */
  requests: RequestLogEntry[];
  /** What the per-user limits are multiplied by; undefined when they are not enforced. */
  rateScale: number | undefined;
  setFaults(f: EmulatorOptions['faults'] | undefined): void;
  setLatency(ms: number): void;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const DATAARTS_BODY_LIMIT = 12 * 1024 * 1024; // reference §12: AK/SK bodies ≤ 12 MB
const OBS_BODY_LIMIT = 64 * 1024 * 1024;

type Handler = (ctx: DlfContext) => void | Promise<void>;
interface Route {
  api: string;
  handler: Handler;
  isExport?: boolean;
}

/** Match `/v1/{pid}/` + rest to an API; undefined = unknown route. */
function route(method: string, segs: string[], importRuntime: Parameters<typeof startImport>[1], taskShape: TaskShape): Route | undefined {
  const [a, b, c] = segs;
  const n = segs.length;
  if (a === 'jobs') {
    if (n === 1 && method === 'GET') return { api: 'list', handler: dlf.listJobs };
    if (n === 1 && method === 'POST') return { api: 'create', handler: dlf.createJob };
    if (n === 2 && method === 'POST' && b === 'batch-export') return { api: 'batch-export', handler: dlf.batchExport, isExport: true };
    if (n === 2 && method === 'POST' && b === 'check-file') return { api: 'check-file', handler: checkFile };
    if (n === 2 && method === 'POST' && b === 'import') return { api: 'import', handler: (ctx) => startImport(ctx, importRuntime) };
    if (n === 2 && method === 'GET') return { api: 'show', handler: (ctx) => dlf.showJob(ctx, b!) };
    if (n === 2 && method === 'PUT') return { api: 'update', handler: (ctx) => dlf.updateJob(ctx, b!) };
    if (n === 2 && method === 'DELETE') return { api: 'delete', handler: (ctx) => dlf.deleteJob(ctx, b!) };
    if (n === 3 && method === 'GET' && c === 'status') return { api: 'status', handler: (ctx) => dlf.jobStatus(ctx, b!, taskShape.model) };
    if (n === 3 && method === 'POST' && c === 'start') return { api: 'start', handler: (ctx) => dlf.startJob(ctx, b!) };
    if (n === 3 && method === 'POST' && c === 'stop') return { api: 'stop', handler: (ctx) => dlf.stopJob(ctx, b!) };
    if (n === 3 && method === 'POST' && c === 'export') return { api: 'export', handler: (ctx) => dlf.exportJob(ctx, b!), isExport: true };
    if (n === 3 && method === 'POST' && c === 'run-immediate') return { api: 'run-immediate', handler: (ctx) => dlf.runJobOnce(ctx, b!) };
  }
  if (a === 'system-tasks' && n === 2 && method === 'GET') return { api: 'system-task', handler: (ctx) => getSystemTask(ctx, b!, taskShape) };
  if (a === 'scripts') {
    if (n === 1 && method === 'GET') return { api: 'scripts', handler: dlf.listScripts };
    if (n === 1 && method === 'POST') return { api: 'scripts', handler: dlf.createScript };
    if (n === 2 && method === 'GET') return { api: 'scripts', handler: (ctx) => dlf.getScript(ctx, b!) };
    if (n === 2 && method === 'PUT') return { api: 'scripts', handler: (ctx) => dlf.updateScript(ctx, b!) };
    if (n === 2 && method === 'DELETE') return { api: 'scripts', handler: (ctx) => dlf.deleteScript(ctx, b!) };
  }
  if (a === 'resources') {
    if (n === 1 && method === 'GET') return { api: 'resources', handler: dlf.listResources };
    if (n === 1 && method === 'POST') return { api: 'resources', handler: dlf.createResource };
    if (n === 2 && method === 'GET') return { api: 'resources', handler: (ctx) => dlf.getResource(ctx, b!) };
    if (n === 2 && method === 'PUT') return { api: 'resources', handler: (ctx) => dlf.updateResource(ctx, b!) };
    if (n === 2 && method === 'DELETE') return { api: 'resources', handler: (ctx) => dlf.deleteResource(ctx, b!) };
  }
  if (a === 'connections') {
    if (n === 1 && method === 'GET') return { api: 'connections', handler: dlf.listConnections };
    if (n === 1 && method === 'POST') return { api: 'connections', handler: dlf.createConnection };
    if (n === 2 && method === 'GET') return { api: 'connections', handler: (ctx) => dlf.getConnection(ctx, b!) };
    if (n === 2 && method === 'PUT') return { api: 'connections', handler: (ctx) => dlf.updateConnection(ctx, b!) };
    if (n === 2 && method === 'DELETE') return { api: 'connections', handler: (ctx) => dlf.deleteConnection(ctx, b!) };
  }
  return undefined;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) throw new UsageError(`the emulator listens on loopback only (127.0.0.1, ::1 or localhost), not '${host}'`);
  const creds = { ...EMULATOR_DEFAULTS, ...options.credentials };
  const credentials = { projectId: creds.projectId, ak: creds.ak, sk: creds.sk, username: creds.username, password: creds.password, domain: creds.domain, bucket: EMULATOR_DEFAULTS.bucket };
  const seed = options.seed ?? 1;
  const listPageCap = options.listPageCap ?? 100;
  const listOffset = options.listOffset ?? 'record';
  const lockFields = options.lockFields ?? false;
  const taskShape: TaskShape = { ...DEFAULT_TASK_SHAPE, ...options.taskShape };
  const rateLimits = options.rateLimits ?? true;
  const importDelayMs = options.importDelayMs ?? 5;
  const tokenTtlMs = options.tokenTtlMs ?? 24 * 60 * 60 * 1000;
  let latencyMs = options.latencyMs ?? 0;

  const state = new EmulatorState(credentials.username);
  const loaded = options.dataDir ? loadState(state, options.dataDir) : false;
  state.addWorkspace(EMULATOR_DEFAULTS.defaultWorkspace);
  for (const ws of options.workspaces ?? []) state.addWorkspace(ws);
  for (const c of options.connections ?? []) {
    state.addWorkspace(c.workspace);
    state.addConnection(c.workspace, { name: c.name, type: c.type });
  }
  state.addBucket(EMULATOR_DEFAULTS.bucket);
  if (options.seedWorkspace !== undefined && ((options.seedJobs ?? 0) > 0 || options.seedSecrets)) state.addWorkspace(options.seedWorkspace);
  if (!loaded && (options.seedJobs ?? 0) > 0) seedWorkspace(state, options.seedWorkspace ?? EMULATOR_DEFAULTS.defaultWorkspace, options.seedJobs!, seed);
  if (!loaded && options.seedSecrets) seedSecretJobs(state, options.seedWorkspace ?? EMULATOR_DEFAULTS.defaultWorkspace);

  const faults = new FaultInjector(new Prng(seed ^ 0x5eed), options.faults);
  const limiter = new RateLimiter(options.rateScale ?? 1);
  const listCache = new dlf.JobListCache();
  const requests: RequestLogEntry[] = [];
  const requestLogLimit = options.requestLogLimit ?? REQUEST_LOG_LIMIT;
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  const later = (ms: number, fn: () => void) => {
    if (closed) return;
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  // Persistence: at most one atomic whole-state write a second (persist.ts), and one on close.
  const persisted = options.dataDir ? persistTo(state, options.dataDir) : undefined;
  if (persisted) {
    state.onChange = () => {
      if (!closed) persisted.changed();
    };
    await persisted.flush();
  }

  const importRuntime = { importDelayMs, later, taskShape, alterOnImport: new Set(options.alterOnImport ?? []), bumpIdOnImport: new Set(options.bumpIdOnImport ?? []) };

  async function handleDataArts(ex: Exchange, segs: string[], now: number): Promise<void> {
    if (segs[1] !== credentials.projectId) throw new HttpError(PROJECT_MISMATCH_ERROR.status, PROJECT_MISMATCH_ERROR.errorCode, PROJECT_MISMATCH_ERROR.message, true);
    const r = route(ex.method, segs.slice(2), importRuntime, taskShape);
    if (!r) throw new HttpError(UNKNOWN_API_ERROR.status, UNKNOWN_API_ERROR.errorCode, UNKNOWN_API_ERROR.message, true);
    if ((ex.method === 'POST' || ex.method === 'PUT') && ex.body.length > 0) {
      try {
        ex.log.body = JSON.parse(ex.body.toString('utf8'));
      } catch {
        ex.log.body = undefined;
      }
    }
    if (latencyMs > 0) await sleep(latencyMs);
    // Faults come before any handling, so they never change state.
    const fault = faults.pick(ex.wirePath, r.isExport === true);
    if (fault === 'reset') {
      ex.req.socket.destroy();
      return;
    }
    if (fault === '5xx') {
      const status = faults.serverStatus();
      throw new HttpError(status, status === 500 ? 'DLF.0500' : 'APIG.1009', status === 500 ? 'Internal server error.' : 'The backend service is unavailable.', status !== 500);
    }
    if (fault === '429') throw new HttpError(429, RATE_LIMIT_CODE, rateLimitMessage(10), true);
    const user = authenticate(ex, state, { ak: credentials.ak, sk: credentials.sk, username: credentials.username }, now);
    const wsHeader = ex.req.headers['workspace'];
    const wsId = typeof wsHeader === 'string' && wsHeader !== '' ? wsHeader : EMULATOR_DEFAULTS.defaultWorkspace;
    ex.log.workspace = wsId;
    const ws = state.workspaces.get(wsId);
    if (!ws) throw new HttpError(400, 'DLF.0819', `The workspace ID does not exist: ${wsId}`);
    if (rateLimits) {
      const exceeded = limiter.admit(user, r.api, ex.arrivedAt);
      if (exceeded !== undefined) throw new HttpError(429, RATE_LIMIT_CODE, rateLimitMessage(exceeded), true);
    }
    const ctx: DlfContext = { ex, state, ws, user, projectId: credentials.projectId, listPageCap, listOffset, lockFields, later, truncate: fault === 'truncate', listCache };
    await r.handler(ctx);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // When the request arrived (its headers were read): what a gateway's rate limit counts, before
    // this server spends any time on the body, the added latency or other requests' work.
    const arrivedAt = Date.now();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const wirePath = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const search = q < 0 ? '' : rawUrl.slice(q);
    const isIam = wirePath === '/v3/auth/tokens';
    const isDataArts = wirePath.startsWith('/v1/');
    const body = await readBody(req, isDataArts || isIam ? DATAARTS_BODY_LIMIT : OBS_BODY_LIMIT);
    const ex: Exchange = {
      req,
      res,
      requestId: randomBytes(16).toString('hex'),
      method: (req.method ?? 'GET').toUpperCase(),
      wirePath,
      search,
      query: new URLSearchParams(search),
      body: body === 'too-large' ? Buffer.alloc(0) : body,
      arrivedAt,
      log: { authKind: 'none' },
    };
    const started = Date.now();
    const record = () => {
      const entry: RequestLogEntry = {
        time: started,
        method: ex.method,
        path: wirePath,
        query: Object.fromEntries(ex.query),
        ...(ex.log.workspace === undefined ? {} : { workspace: ex.log.workspace }),
        status: res.headersSent ? res.statusCode : 0,
        ...(ex.log.errorCode === undefined ? {} : { errorCode: ex.log.errorCode }),
        authKind: ex.log.authKind,
        ...(ex.log.body === undefined ? {} : { body: ex.log.body }),
      };
      requests.push(entry);
      // One out for one in: V8 trims an array's front in place, so this stays cheap at the limit.
      if (requests.length > requestLogLimit) requests.shift();
      options.onRequest?.(entry);
    };
    res.on('close', record);
    try {
      if (body === 'too-large') throw new HttpError(413, 'APIG.0201', 'Request entity too large.', true);
      if (isIam) {
        if (ex.method !== 'POST') throw new HttpError(405, 'APIG.0101', 'Method not allowed.', true);
        return handleIam(ex, state, { ...credentials, projectName: EMULATOR_PROJECT_NAME, tokenTtlMs }, Date.now());
      }
      if (isDataArts) return await handleDataArts(ex, wirePath.split('/').slice(1), Date.now());
      // `/` is OBS only when the Host names a bucket (virtual-host style: a bucket listing).
      if ((wirePath === '/' || wirePath === '') && !hostNamesBucket(req.headers.host, state)) throw new HttpError(UNKNOWN_API_ERROR.status, UNKNOWN_API_ERROR.errorCode, UNKNOWN_API_ERROR.message, true);
      return handleObs(ex, state, credentials, Date.now());
    } catch (err) {
      if (res.headersSent || res.destroyed) return;
      if (err instanceof HttpError) return sendError(ex, err);
      sendError(ex, new HttpError(500, 'DLF.0500', `Internal emulator error: ${err instanceof Error ? err.message : String(err)}`));
    }
  }

  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 5000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const urlHost = host === 'localhost' ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${urlHost}:${address.port}`;

  return {
    url,
    credentials,
    state,
    requests,
    rateScale: rateLimits ? options.rateScale ?? 1 : undefined,
    setFaults: (f) => faults.set(f),
    setLatency: (ms) => {
      latencyMs = ms;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      for (const s of sockets) s.destroy();
      await stopped;
      await persisted?.flush();
    },
  };
}

/** `{bucket}.{endpoint}` with an existing bucket (not an IP address). */
function hostNamesBucket(hostHeader: string | undefined, state: EmulatorState): boolean {
  const host = (hostHeader ?? '').replace(/:\d+$/, '');
  return !isIP(host) && host.includes('.') && state.buckets.has(host.split('.')[0] ?? '');
}
