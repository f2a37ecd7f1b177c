/**
 * The undici dispatcher of a run, loaded lazily (undici costs ~90 ms of start-up, and `--help` /
 * `--version` must not pay it): one keep-alive agent, or undici's env proxy agent when
 * HTTPS_PROXY / HTTP_PROXY / NO_PROXY are set. Certificates are always verified; `--ca-file` and
 * NODE_EXTRA_CA_CERTS add to Node's trust store rather than replace it.
 */
import { promises as fs } from 'node:fs';
import tls from 'node:tls';
import type { Dispatcher } from 'undici';
import { ConfigError } from '../errors.js';
import type { Timeouts } from '../config/types.js';

type Env = Record<string, string | undefined>;

export interface Transport {
  dispatcher: Dispatcher;
  request: typeof import('undici').request;
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

export async function createTransport(options: TransportOptions): Promise<Transport> {
  const undici = await import('undici');
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
    request: undici.request,
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
