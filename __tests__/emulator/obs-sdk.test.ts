/**
 * Huawei's official OBS SDK for Node (`esdk-obs-nodejs`, a devDependency used only here) as an
 * outside oracle:
 * - it puts, gets and deletes objects in the emulator with the V2 `AWS` signature (what it uses
 *   against an IP address) and with the native `OBS` signature (virtual-host style), in header
 *   and in query-string (pre-signed URL) form;
 * - for fixed inputs our own signer (src/auth/sign-obs.ts) produces exactly the `Authorization`
 *   header the SDK computes (known answer), and an object our client stages is read back by it.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import http from 'node:http';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ObsClient from 'esdk-obs-nodejs';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { obsAuthorization } from '../../src/auth/sign-obs.js';
import { ObsClient as OurObsClient } from '../../src/api/obs.js';
import { HttpClient } from '../../src/api/http.js';
import { Pacer } from '../../src/api/pacing.js';
import { createTransport } from '../../src/api/transport.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Sdk = any;

let emu: Emulator;
let port: number;
const bucket = 'dataarts-staging';

beforeAll(async () => {
  emu = await startEmulator({ rateLimits: false });
  port = Number(new URL(emu.url).port);
});
afterAll(async () => {
  await emu.close();
});

/** Resolve every host name to loopback, so virtual-host style (`bucket.obs.test`) reaches the emulator. */
const loopbackAgent = () =>
  new http.Agent({
    keepAlive: false,
    lookup: ((_host: string, options: { all?: boolean }, cb: (...args: unknown[]) => void) =>
      options?.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)) as never,
  } as http.AgentOptions);

async function sdk(signature: 'v2' | 'obs', secret = emu.credentials.sk): Promise<Sdk> {
  const client = new (ObsClient as any)({
    access_key_id: emu.credentials.ak,
    secret_access_key: secret,
    // An IP address: the SDK uses path style and the V2 signature, as against a real OBS by IP.
    // A host name: virtual-host style, where the SDK keeps the native OBS signature.
    server: signature === 'v2' ? `http://127.0.0.1:${port}` : `http://obs.test:${port}`,
    signature,
    is_signature_negotiation: false,
    http_agent: loopbackAgent(),
    max_retry_count: 0,
  });
  // The SDK initialises asynchronously.
  await new Promise((r) => setTimeout(r, 20));
  return client;
}

function status(result: Sdk): number {
  return result.CommonMsg.Status as number;
}

describe.each(['v2', 'obs'] as const)('the official OBS SDK, signature %s', (signature) => {
  test('puts, gets and deletes an object (header signature)', async () => {
    const obs = await sdk(signature);
    const key = `sdk/${signature}/hello wörld+1.txt`;
    const put = await obs.putObject({ Bucket: bucket, Key: key, Body: 'hello from the SDK' });
    expect(status(put)).toBe(200);
    expect(emu.state.obsObject(bucket, key)?.toString()).toBe('hello from the SDK');
    const get = await obs.getObject({ Bucket: bucket, Key: key });
    expect(status(get)).toBe(200);
    expect(String(get.InterfaceResult.Content)).toBe('hello from the SDK');
    const del = await obs.deleteObject({ Bucket: bucket, Key: key });
    expect(status(del)).toBe(204);
    expect(emu.state.obsObject(bucket, key)).toBeUndefined();
    // The emulator saw the signature kind the SDK chose.
    const auth = emu.requests.filter((r) => r.authKind === 'obs').slice(-3);
    expect(auth.every((r) => r.status < 300)).toBe(true);
  });

  test('a wrong secret key is refused with SignatureDoesNotMatch', async () => {
    const obs = await sdk(signature, 'not-the-secret');
    const put = await obs.putObject({ Bucket: bucket, Key: 'sdk/refused.txt', Body: 'x' });
    expect(status(put)).toBe(403);
    expect(put.CommonMsg.Code).toBe('SignatureDoesNotMatch');
    expect(emu.state.obsObject(bucket, 'sdk/refused.txt')).toBeUndefined();
  });

  test('query-string form: a pre-signed PUT, GET and DELETE', async () => {
    const obs = await sdk(signature);
    const key = `sdk/${signature}/presigned.txt`;
    const send = async (method: string, body?: string) => {
      const signed = obs.createSignedUrlSync({ Method: method, Bucket: bucket, Key: key, Expires: 300, ...(body ? { Headers: { 'Content-Type': 'text/plain' } } : {}) });
      const url = new URL(signed.SignedUrl as string);
      return new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port, method, path: `${url.pathname}${url.search}`, headers: { ...signed.ActualSignedRequestHeaders, Host: url.host } },
          (res) => {
            let text = '';
            res.on('data', (c) => (text += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    };
    expect((await send('PUT', 'presigned body')).status).toBe(200);
    expect(await send('GET')).toEqual({ status: 200, body: 'presigned body' });
    expect((await send('DELETE')).status).toBe(204);
    expect(emu.state.obsObject(bucket, key)).toBeUndefined();
  });
});

describe('our OBS signer against the SDK (known answer)', () => {
  /** The Authorization the SDK's own signing routine computes for these inputs. */
  async function sdkAuthorization(input: { method: string; resource: string; headers: Record<string, string>; ak: string; sk: string }): Promise<string> {
    const obs = new (ObsClient as any)({ access_key_id: input.ak, secret_access_key: input.sk, server: 'https://obs.cn-north-4.myhuaweicloud.com', signature: 'obs', is_signature_negotiation: false });
    await new Promise((r) => setTimeout(r, 20));
    const util = obs.util;
    expect(util.signatureContext.authPrefix).toBe('OBS');
    const opt = { method: input.method, headers: { ...input.headers }, uri: input.resource, urlPath: '' };
    util.doAuth(opt, 'PutObject', util.signatureContext);
    return opt.headers.Authorization as string;
  }

  const cases: { what: string; method: string; resource: string; headers: Record<string, string> }[] = [
    {
      what: 'PUT with Content-MD5, Content-Type and Date',
      method: 'PUT',
      resource: '/dataarts-staging/releases/jobs.zip',
      headers: { 'Content-MD5': '1B2M2Y8AsgTpgAmY7PhCfg==', 'Content-Type': 'application/zip', Date: 'Sun, 29 Nov 2026 16:00:00 GMT' },
    },
    {
      what: 'DELETE with a security token and an encoded key',
      method: 'DELETE',
      resource: '/my-bucket/dir%20a/caf%C3%A9.zip',
      headers: { Date: 'Mon, 01 Jan 2024 00:00:00 GMT', 'x-obs-security-token': 'tok+en/==' },
    },
    {
      what: 'PUT with several x-obs- headers in mixed case',
      method: 'PUT',
      resource: '/b-1/k',
      headers: { 'Content-Type': 'text/plain', Date: 'Tue, 02 Jan 2024 03:04:05 GMT', 'X-Obs-Meta-Zeta': 'z', 'x-obs-acl': 'private' },
    },
  ];

  test.each(cases)('$what', async (c) => {
    const ak = 'AKEXAMPLE0000000001';
    const sk = 'skExample/with+special=chars';
    const expected = await sdkAuthorization({ method: c.method, resource: c.resource, headers: c.headers, ak, sk });
    const h = c.headers;
    const ours = obsAuthorization(
      { method: c.method, contentMd5: h['Content-MD5'] ?? '', contentType: h['Content-Type'] ?? '', date: h.Date ?? '', headers: h, resource: c.resource },
      ak,
      sk,
    );
    expect(ours).toBe(expected);
  });

  test('an archive our client stages is read back by the SDK byte for byte', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dataarts-obs-sdk-'));
    try {
      const file = path.join(dir, 'jobs.zip');
      const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251));
      await fs.writeFile(file, bytes);
      const transport = createTransport({ env: {}, timeouts: { connectMs: 2000, headersMs: 10000, bodyMs: 10000 } });
      const httpClient = new HttpClient({ transport: () => transport, pacer: new Pacer({ maxConcurrent: 2 }), retry: { maxAttempts: 1, baseDelayMs: 5, maxDelayMs: 10, throttleFloorMs: 10 }, signal: new AbortController().signal, debug: () => {} });
      const ours = new OurObsClient({
        http: httpClient,
        now: () => new Date(),
        config: { obsEndpoint: emu.url, obsEndpointIsCustom: true, region: 'cn-north-4' },
        credentials: { kind: 'aksk', ak: emu.credentials.ak, sk: emu.credentials.sk, source: 'test' } as never,
      });
      const key = 'staged/a b/jobs.zip';
      await ours.putObject(bucket, key, file);
      const got = await (await sdk('v2')).getObject({ Bucket: bucket, Key: key, SaveAsStream: true });
      expect(status(got)).toBe(200);
      const chunks: Buffer[] = [];
      for await (const c of got.InterfaceResult.Content) chunks.push(Buffer.from(c));
      expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
      await ours.deleteObject(bucket, key);
      expect(emu.state.obsObject(bucket, key)).toBeUndefined();
      await (await transport).close();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('what a backup repository in OBS uses (issue 19)', () => {
  function ourClient(transport: ReturnType<typeof createTransport>): OurObsClient {
    const httpClient = new HttpClient({ transport: () => transport, pacer: new Pacer({ maxConcurrent: 2 }), retry: { maxAttempts: 1, baseDelayMs: 5, maxDelayMs: 10, throttleFloorMs: 10 }, signal: new AbortController().signal, debug: () => {} });
    return new OurObsClient({
      http: httpClient,
      now: () => new Date(),
      config: { obsEndpoint: emu.url, obsEndpointIsCustom: true, region: 'cn-north-4' },
      credentials: { kind: 'aksk', ak: emu.credentials.ak, sk: emu.credentials.sk, source: 'test' } as never,
    });
  }

  test.each(['v2', 'obs'] as const)('the SDK (%s) lists by prefix page by page and reads user metadata; our client sees the same', async (signature) => {
    const obs = await sdk(signature);
    const prefix = `repo-${signature}/`;
    for (const name of ['a.zip', 'b.zip', 'c d.zip', 'sub/x.zip']) {
      expect(status(await obs.putObject({ Bucket: bucket, Key: `${prefix}${name}`, Body: name, Metadata: { sha256: `sum-${name.length}` } }))).toBe(200);
    }
    const page1 = await obs.listObjects({ Bucket: bucket, Prefix: prefix, MaxKeys: 2 });
    expect(status(page1)).toBe(200);
    expect(page1.InterfaceResult.Contents.map((c: { Key: string }) => c.Key)).toEqual([`${prefix}a.zip`, `${prefix}b.zip`]);
    expect(page1.InterfaceResult.IsTruncated).toBe('true');
    const page2 = await obs.listObjects({ Bucket: bucket, Prefix: prefix, Marker: page1.InterfaceResult.NextMarker, MaxKeys: 2 });
    expect(page2.InterfaceResult.Contents.map((c: { Key: string }) => c.Key)).toEqual([`${prefix}c d.zip`, `${prefix}sub/x.zip`]);
    const meta = await obs.getObjectMetadata({ Bucket: bucket, Key: `${prefix}a.zip` });
    expect(status(meta)).toBe(200);
    expect(meta.InterfaceResult.Metadata).toMatchObject({ sha256: 'sum-5' });

    const transport = createTransport({ env: {}, timeouts: { connectMs: 2000, headersMs: 10000, bodyMs: 10000 } });
    try {
      const ours = ourClient(transport);
      expect((await ours.list(bucket, prefix)).map((o) => [o.key, o.size])).toEqual([[`${prefix}a.zip`, 5], [`${prefix}b.zip`, 5], [`${prefix}c d.zip`, 7], [`${prefix}sub/x.zip`, 9]]);
      expect(await ours.head(bucket, `${prefix}c d.zip`)).toMatchObject({ size: 7, meta: { sha256: 'sum-7' } });
      expect(await ours.head(bucket, `${prefix}missing.zip`)).toBeUndefined();
    } finally {
      await (await transport).close();
    }
  });

  test('a file our client streams up with metadata is read back by the SDK, metadata included', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dataarts-obs-sdk-'));
    const transport = createTransport({ env: {}, timeouts: { connectMs: 2000, headersMs: 10000, bodyMs: 10000 } });
    try {
      const file = path.join(dir, 'night.zip');
      const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 251));
      await fs.writeFile(file, bytes);
      const ours = ourClient(transport);
      const put = await ours.putFile(bucket, 'repo/night.zip', file, { contentType: 'application/zip', meta: { sha256: 'abc', writer: 'dataarts' } });
      expect(put.bytes).toBe(bytes.length);
      const obs = await sdk('v2');
      const meta = await obs.getObjectMetadata({ Bucket: bucket, Key: 'repo/night.zip' });
      expect(meta.InterfaceResult.Metadata).toMatchObject({ sha256: 'abc', writer: 'dataarts' });
      expect(meta.InterfaceResult.ETag.replace(/"/g, '')).toBe(put.md5);
      expect(emu.state.obsObject(bucket, 'repo/night.zip')!.equals(bytes)).toBe(true);
    } finally {
      await (await transport).close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
