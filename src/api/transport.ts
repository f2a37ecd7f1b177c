/**
 * The undici dispatcher of a run, loaded lazily (`--help` / `--version` must not pay for undici):
 * one keep-alive agent, or undici's env proxy agent when HTTPS_PROXY / HTTP_PROXY / NO_PROXY are
 * set. Certificates are always verified; `--ca-file` and NODE_EXTRA_CA_CERTS add to Node's trust
 * store rather than replace it.
 */
import { promises as fs } from 'node:fs';
import tls from 'node:tls';
import type { Dispatcher } from 'undici';
import { ConfigError } from '../errors.js';
import type { Timeouts } from '../config/types.js';

type Env = Record<string, string | undefined>;

/** `request(url, { dispatcher, … })`: undici's top-level request, always with our dispatcher. */
type RequestFn = (url: string, options: Omit<Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & { method: Dispatcher.HttpMethod; dispatcher: Dispatcher }) => Promise<Dispatcher.ResponseData>;

export interface Transport {
  dispatcher: Dispatcher;
  request: RequestFn;
  /** Whether requests go through a proxy (for the verbose log). */
  proxied: boolean;
  close(): Promise<void>;
}

export interface TransportOptions {
  env: Env;
  timeouts: Timeouts;
  caFile?: string;
  /** Sockets kept per origin (the pacer caps concurrency anyway). */
  connections?: number;
}

function envValue(env: Env, upper: string): string | undefined {
  const v = env[upper] ?? env[upper.toLowerCase()];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

async function readPem(file: string, what: string): Promise<string> {
  try {
    const text = await fs.readFile(file, 'utf8');
    if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`${what} ${file} holds no PEM certificate`, { file, key: 'caFile' });
    return text;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${what} ${file} cannot be read: ${(err as Error).message}`, { file, key: 'caFile' });
  }
}

/** Trust store: Node's roots + NODE_EXTRA_CA_CERTS + the CA file; undefined = Node's default. */
async function trustStore(env: Env, caFile: string | undefined): Promise<string[] | undefined> {
  const extra = envValue(env, 'NODE_EXTRA_CA_CERTS');
  if (!caFile && !extra) return undefined;
  const ca = [...tls.rootCertificates];
  if (extra) ca.push(await readPem(extra, 'NODE_EXTRA_CA_CERTS'));
  if (caFile) ca.push(await readPem(caFile, 'CA file'));
  return ca;
}

interface UndiciParts {
  Agent: typeof import('undici').Agent;
  EnvHttpProxyAgent: typeof import('undici').EnvHttpProxyAgent;
  /** Where they came from: undici's own modules, or its index (the fallback). */
  loadedFrom: 'modules' | 'index';
}

/**
 * The three things the client uses (Agent, EnvHttpProxyAgent, and `request` on every dispatcher),
 * from undici's own modules rather than its index: the index also loads fetch, WebSocket, EventSource,
 * the cache store, the mocks and more, about four times the start-up cost of what is used (measured
 * 140 ms against 570 ms on a loaded machine; every networked command and every test file pays it).
 * undici has no `exports` map, so these paths resolve; the lock file pins the version they were
 * checked with (a test asserts it), and if a later undici moves them the index is loaded instead.
 */
export async function loadUndici(): Promise<UndiciParts> {
  const cjs = async (file: string) => ((await import(`undici/lib/${file}`)) as { default: unknown }).default;
  try {
    const [Agent, EnvHttpProxyAgent, Dispatcher, api] = await Promise.all(['dispatcher/agent.js', 'dispatcher/env-http-proxy-agent.js', 'dispatcher/dispatcher.js', 'api/index.js'].map(cjs));
    if (typeof Agent !== 'function' || typeof EnvHttpProxyAgent !== 'function' || typeof Dispatcher !== 'function' || typeof (api as { request?: unknown }).request !== 'function') throw new Error('not the expected modules');
    // What the index does on load: the request/stream/pipeline API as methods of every dispatcher.
    Object.assign((Dispatcher as { prototype: object }).prototype, api);
    return { Agent: Agent as UndiciParts['Agent'], EnvHttpProxyAgent: EnvHttpProxyAgent as UndiciParts['EnvHttpProxyAgent'], loadedFrom: 'modules' };
  } catch {
    const undici = await import('undici');
    return { Agent: undici.Agent, EnvHttpProxyAgent: undici.EnvHttpProxyAgent, loadedFrom: 'index' };
  }
}

/** undici's top-level `request(url, opts)` as the index defines it, for absolute http(s) URLs. */
const request: RequestFn = (url, { dispatcher, ...options }) => {
  const u = new URL(url);
  return dispatcher.request({ ...options, origin: u.origin, path: `${u.pathname}${u.search}` });
};

export async function createTransport(options: TransportOptions): Promise<Transport> {
  const undici = await loadUndici();
  const ca = await trustStore(options.env, options.caFile);
  const tlsOptions = { rejectUnauthorized: true, ...(ca ? { ca } : {}) };
  const common = {
    connections: options.connections ?? 16,
    keepAliveTimeout: 10_000,
    headersTimeout: options.timeouts.headersMs,
    bodyTimeout: options.timeouts.bodyMs,
    connectTimeout: options.timeouts.connectMs,
  };
  const httpsProxy = envValue(options.env, 'HTTPS_PROXY');
  const httpProxy = envValue(options.env, 'HTTP_PROXY');
  let dispatcher: Dispatcher;
  let proxied = false;
  if (httpsProxy || httpProxy) {
    // Values are passed explicitly so the injected environment (not process.env) decides.
    dispatcher = new undici.EnvHttpProxyAgent({
      ...common,
      httpProxy: httpProxy ?? '',
      httpsProxy: httpsProxy ?? httpProxy ?? '',
      noProxy: envValue(options.env, 'NO_PROXY') ?? '',
      connect: { ...tlsOptions, timeout: options.timeouts.connectMs },
      requestTls: tlsOptions,
    });
    proxied = true;
  } else {
    dispatcher = new undici.Agent({ ...common, connect: { ...tlsOptions, timeout: options.timeouts.connectMs } });
  }
  return {
    dispatcher,
    request,
    proxied,
    close: async () => {
      await dispatcher.close();
    },
  };
}

/** True for localhost, 127.0.0.0/8 and ::1: plain http there does not leave the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
