/**
 * The HTTP layer over real sockets: a small scripted node:http server for exact failure sequences
 * (truncated downloads, Retry-After, a state-changing call that must not be repeated, a proxy), and
 * the emulator for token refresh and OBS.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import http from 'node:http';
import https from 'node:https';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { openSession, type Session } from '../../src/api/session.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { ConfigError, ExitCode, ServiceError, exitCodeFor } from '../../src/errors.js';
import { makeContext } from '../config/context.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, hit: number) => void;

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dataarts-http-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function scripted(handler: Handler): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(req, res, ++hits));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    hits: () => hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const FAST = { DATAARTS_RETRY_BASE_MS: '1', DATAARTS_RETRY_MAX_MS: '5', DATAARTS_RETRY_THROTTLE_MS: '5' };

function sessionFor(url: string, extraEnv: Record<string, string> = {}, verbose = false) {
  const ctx = makeContext({
    cwd: dir,
    env: { DATAARTS_ENDPOINT: url, DATAARTS_IAM_ENDPOINT: url, DATAARTS_OBS_ENDPOINT: url, DATAARTS_PROJECT_ID: 'p1', DATAARTS_TOKEN: 'tok-1234', ...FAST, ...extraEnv },
    globals: { verbose },
  });
  const stderr: string[] = [];
  ctx.deps.io.stderr.on('data', (c: Buffer) => stderr.push(c.toString()));
  (ctx.ui.options as { verbose: boolean }).verbose = verbose;
  return { ctx, stderr, open: () => openSession(ctx) };
}

let session: Session | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

describe('job status in both spellings of the official models (reference §19)', () => {
  test('starttime / nodes[].nodeType (DLF model) and startTime / nodes[].type (wire) read alike', async () => {
    const bodies = [
      '{"name":"rt","status":"NORMAL","starttime":1700000000000,"nodes":[{"name":"n1","nodeType":"MRSFlinkJob","status":"NORMAL"}]}',
      '{"name":"rt","status":"NORMAL","startTime":1700000000000,"nodes":[{"name":"n1","type":"MRSFlinkJob","status":"NORMAL"}]}',
      '{"name":"rt","status":"NORMAL","starttime":"1700000000000","nodes":[{"name":"n1","nodeType":"MRSFlinkJob","status":"NORMAL"}]}',
    ];
    const srv = await scripted((_req, res, hit) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(bodies[hit - 1]);
    });
    session = await sessionFor(srv.url).open();
    const expected = { name: 'rt', status: 'NORMAL', startTime: 1700000000000, nodes: [{ name: 'n1', type: 'MRSFlinkJob', status: 'NORMAL' }] };
    for (let i = 0; i < bodies.length; i++) expect(await session.dataarts.getJobStatus('rt')).toEqual(expected);
    await srv.close();
  });
});

describe('retries and bodies', () => {
  test('a truncated export download is fetched again, and the file holds the full body', async () => {
    const payload = Buffer.alloc(64 * 1024, 7);
    const srv = await scripted((_req, res, hit) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(payload.length) });
      if (hit === 1) {
        res.write(payload.subarray(0, 1000));
        res.socket?.destroy();
      } else res.end(payload);
    });
    session = await sessionFor(srv.url).open();
    const dest = path.join(dir, 'jobs.zip');
    expect(await session.dataarts.batchExport(['a'], { exportDepend: true, exportStatus: 'DEVELOP' }, dest)).toEqual({ bytes: payload.length });
    expect(await fs.readFile(dest)).toEqual(payload);
    expect(srv.hits()).toBe(2);
    await srv.close();
  });

  test('Retry-After is honoured', async () => {
    const srv = await scripted((_req, res, hit) => {
      if (hit === 1) {
        res.writeHead(503, { 'Retry-After': '1', 'Content-Type': 'application/json' });
        res.end('{"error_code":"APIG.1009","error_msg":"busy"}');
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"name":"a","status":"NORMAL"}');
      }
    });
    session = await sessionFor(srv.url).open();
    const started = Date.now();
    expect(await session.dataarts.getJobStatus('a')).toMatchObject({ name: 'a', status: 'NORMAL' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    await srv.close();
  });

  test('a JSON answer cut short is retried for a safe call', async () => {
    const srv = await scripted((_req, res, hit) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(hit === 1 ? '{"total": 1, "jo' : '{"total": 1, "jobs": [{"name": "a", "jobType": "BATCH", "status": "STOPPED"}]}');
    });
    session = await sessionFor(srv.url).open();
    expect((await session.dataarts.listJobs('BATCH')).map((j) => j.name)).toEqual(['a']);
    expect(srv.hits()).toBe(2);
    await srv.close();
  });

  test('importJobs is sent exactly once, even when the service fails', async () => {
    for (const fail of ['503', 'reset'] as const) {
      const srv = await scripted((_req, res) => {
        if (fail === 'reset') res.socket?.destroy();
        else {
          res.writeHead(503, { 'Content-Type': 'application/json' });
          res.end('{"error_code":"APIG.1009","error_msg":"busy"}');
        }
      });
      session = await sessionFor(srv.url).open();
      const err = await session.dataarts.importJobs({ path: 'obs://b/k.zip' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServiceError);
      expect(exitCodeFor(err)).toBe(ExitCode.SERVICE);
      expect(srv.hits()).toBe(1);
      await session.close();
      await srv.close();
    }
  });

  test('headers: project id, workspace, JSON content type, token; segments encoded', async () => {
    let seen: http.IncomingMessage | undefined;
    const srv = await scripted((req, res) => {
      seen = req;
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end('{"error_code":"DLF.0100","error_msg":"The job does not exist."}');
    });
    session = await sessionFor(srv.url, { DATAARTS_WORKSPACE: 'ws-9' }).open();
    expect(await session.dataarts.getJob('a b/c')).toBeUndefined();
    expect(seen!.url).toBe('/v1/p1/jobs/a%20b%2Fc');
    expect(seen!.headers['workspace']).toBe('ws-9');
    expect(seen!.headers['x-project-id']).toBe('p1');
    expect(seen!.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(seen!.headers['x-auth-token']).toBe('tok-1234');
    await srv.close();
  });
});

describe('network settings', () => {
  test('HTTP_PROXY is honoured (requests go through the proxy), NO_PROXY bypasses it', async () => {
    const target = await scripted((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"name":"a","status":"STOPPED"}');
    });
    const proxied: string[] = [];
    const proxy = http.createServer((req, res) => {
      proxied.push(req.url ?? '');
      const url = new URL(req.url!);
      const up = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: req.method, headers: req.headers }, (upRes) => {
        res.writeHead(upRes.statusCode!, upRes.headers);
        upRes.pipe(res);
      });
      req.pipe(up);
    });
    proxy.on('connect', (req, socket: net.Socket) => {
      proxied.push(`CONNECT ${req.url}`);
      const [host, port] = req.url!.split(':');
      const up = net.connect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        up.pipe(socket);
        socket.pipe(up);
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

    session = await sessionFor(target.url, { HTTP_PROXY: proxyUrl }).open();
    await session.dataarts.getJobStatus('a');
    expect(proxied.length).toBe(1);
    await session.close();

    session = await sessionFor(target.url, { HTTP_PROXY: proxyUrl, NO_PROXY: '127.0.0.1' }).open();
    await session.dataarts.getJobStatus('a');
    expect(proxied.length).toBe(1);

    proxy.closeAllConnections();
    await new Promise<void>((r) => proxy.close(() => r()));
    await target.close();
  });

  test('a plain-http endpoint off this machine prints a warning', async () => {
    const s = sessionFor('http://dataarts.example.invalid');
    session = await s.open();
    expect(s.stderr.join('')).toContain('http://dataarts.example.invalid is plain http: credentials and data travel unencrypted');
  });

  test('a loopback http endpoint does not warn', async () => {
    const s = sessionFor('http://127.0.0.1:9');
    session = await s.open();
    expect(s.stderr.join('')).toBe('');
  });

  test('an unreadable CA file is a configuration error', async () => {
    const srv = await scripted((_req, res) => res.end('{}'));
    session = await sessionFor(srv.url, { DATAARTS_CA_FILE: path.join(dir, 'missing.pem') }).open();
    const err = await session.dataarts.getJobStatus('a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('missing.pem');
    await srv.close();
  });

  test('certificates are verified; --ca-file adds a private CA to the trust store', async () => {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const srv = https.createServer({ key: await fs.readFile(key), cert: await fs.readFile(cert) }, (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"name":"a","status":"STOPPED"}');
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(srv.address() as AddressInfo).port}`;

    session = await sessionFor(url).open();
    const err = await session.dataarts.getJobStatus('a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).hint).toContain('--ca-file');
    await session.close();

    session = await sessionFor(url, { DATAARTS_CA_FILE: cert }).open();
    expect(await session.dataarts.getJobStatus('a')).toMatchObject({ name: 'a', status: 'STOPPED' });
    await session.close();
    srv.closeAllConnections();
    await new Promise<void>((r) => srv.close(() => r()));
  });
});

describe('against the emulator', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ seedJobs: 5, rateLimits: false });
  });
  afterAll(async () => {
    await emu.close();
  });

  const userEnv = () => ({
    DATAARTS_ENDPOINT: emu.url,
    DATAARTS_IAM_ENDPOINT: emu.url,
    DATAARTS_OBS_ENDPOINT: emu.url,
    DATAARTS_PROJECT_ID: emu.credentials.projectId,
    DATAARTS_USERNAME: emu.credentials.username,
    DATAARTS_PASSWORD: emu.credentials.password,
    DATAARTS_DOMAIN: emu.credentials.domain,
    ...FAST,
  });

  test('IAM user: an expired token is refreshed once and the run goes on', async () => {
    const ctx = makeContext({ cwd: dir, env: userEnv() });
    session = await openSession(ctx);
    const before = emu.state.tokenRequests;
    await session.dataarts.listJobs('BATCH');
    emu.state.revokeTokens();
    await session.dataarts.listJobs('BATCH');
    expect(emu.state.tokenRequests - before).toBe(2);
  });

  test('IAM user: when the refreshed token is rejected too, give up with exit 3', async () => {
    // Tokens that are born expired: the first 401 refreshes, the second gives up.
    const expiring = await startEmulator({ seedJobs: 1, rateLimits: false, tokenTtlMs: 0 });
    const env = { ...userEnv(), DATAARTS_ENDPOINT: expiring.url, DATAARTS_IAM_ENDPOINT: expiring.url, DATAARTS_OBS_ENDPOINT: expiring.url };
    session = await openSession(makeContext({ cwd: dir, env }));
    const err = await session.dataarts.listJobs('BATCH').catch((e: unknown) => e);
    expect(exitCodeFor(err)).toBe(ExitCode.CONFIG);
    expect((err as Error).message).toContain('token');
    expect(expiring.state.tokenRequests).toBe(2);
    await expiring.close();
  });

  test('OBS: a signed PUT and DELETE, path style on the custom endpoint', async () => {
    const env = { ...userEnv(), HUAWEICLOUD_SDK_AK: emu.credentials.ak, HUAWEICLOUD_SDK_SK: emu.credentials.sk };
    session = await openSession(makeContext({ cwd: dir, env }));
    const file = path.join(dir, 'a.zip');
    await fs.writeFile(file, Buffer.from('PK\u0005\u0006' + '\0'.repeat(18), 'binary'));
    await session.obs.putObject(emu.credentials.bucket, 'staging/run 1/a.zip', file);
    expect(emu.state.obsKeys(emu.credentials.bucket)).toContain('staging/run 1/a.zip');
    await session.obs.deleteObject(emu.credentials.bucket, 'staging/run 1/a.zip');
    expect(emu.state.obsKeys(emu.credentials.bucket)).not.toContain('staging/run 1/a.zip');
  });

  test('OBS: a wrong secret key is an auth error naming the signature', async () => {
    const env = { ...userEnv(), HUAWEICLOUD_SDK_AK: emu.credentials.ak, HUAWEICLOUD_SDK_SK: 'wrong-secret-0000' };
    session = await openSession(makeContext({ cwd: dir, env }));
    const file = path.join(dir, 'b.zip');
    await fs.writeFile(file, 'x');
    const err = await session.obs.putObject(emu.credentials.bucket, 'b.zip', file).catch((e: unknown) => e);
    expect(exitCodeFor(err)).toBe(ExitCode.CONFIG);
    expect((err as Error).message).toMatch(/signature/i);
  });

  test('OBS with IAM-user credentials: a configuration error saying AK/SK is needed', async () => {
    session = await openSession(makeContext({ cwd: dir, env: userEnv() }));
    const err = await session.obs.deleteObject(emu.credentials.bucket, 'x.zip').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('OBS needs AK/SK');
  });
});
