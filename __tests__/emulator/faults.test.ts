import { afterEach, describe, expect, test } from '@jest/globals';
import http from 'node:http';
import { signSdkRequest } from '../../src/auth/sign-sdk.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { call } from './helpers.js';

/** A raw signed request that reports what happened on the socket (reset, short body). */
function rawCall(emu: Emulator, method: string, path: string, body?: unknown): Promise<{ status?: number; received: number; declared?: number; error?: string }> {
  const url = `${emu.url}/v1/${emu.credentials.projectId}/${path}`;
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers = signSdkRequest({ method, url, headers: { 'Content-Type': 'application/json' }, body: text }, emu.credentials, new Date());
  return new Promise((resolve) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      let received = 0;
      res.on('data', (c: Buffer) => (received += c.length));
      res.on('end', () => resolve({ status: res.statusCode, received, declared: Number(res.headers['content-length']) }));
      res.on('error', (e) => resolve({ status: res.statusCode, received, declared: Number(res.headers['content-length']), error: e.message }));
      res.on('aborted', () => resolve({ status: res.statusCode, received, declared: Number(res.headers['content-length']), error: 'aborted' }));
    });
    req.on('error', (e) => resolve({ received: 0, error: e.message }));
    req.end(text);
  });
}

describe('emulator: rate limits and faults', () => {
  let emu: Emulator;
  afterEach(() => emu.close());

  test('more than 10 show calls in a second → 429 APIG.0308; list allows 30', async () => {
    emu = await startEmulator({ seedJobs: 3, rateScale: 1 });
    const shows = await Promise.all(Array.from({ length: 14 }, () => call(emu, 'GET', 'jobs/job_00001')));
    const limited = shows.filter((r) => r.status === 429);
    // 14 at once: 10 pass, 4 are throttled (fewer only if the machine spreads them over > 1 s).
    expect(limited.length).toBeGreaterThanOrEqual(1);
    expect(limited.length).toBeLessThanOrEqual(4);
    expect(limited[0]!.json).toMatchObject({ error_code: 'APIG.0308', error_msg: expect.stringContaining('limit:10,time:1 second'), request_id: expect.any(String) });
    expect(limited[0]!.headers.get('retry-after')).toBeNull();
    const lists = await Promise.all(Array.from({ length: 30 }, () => call(emu, 'GET', 'jobs')));
    expect(lists.every((r) => r.status === 200)).toBe(true);
    await new Promise((r) => setTimeout(r, 1050));
    expect((await call(emu, 'GET', 'jobs/job_00001')).status).toBe(200);
  });

  test('rateScale 3: 30 show calls in a second pass, the 31st is refused naming the documented limit', async () => {
    emu = await startEmulator({ seedJobs: 3, rateScale: 3 });
    const shows = await Promise.all(Array.from({ length: 34 }, () => call(emu, 'GET', 'jobs/job_00001')));
    const limited = shows.filter((r) => r.status === 429);
    expect(shows.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(30);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    expect(limited.length).toBeLessThanOrEqual(4);
    expect(limited[0]!.json).toMatchObject({ error_code: 'APIG.0308', error_msg: expect.stringContaining('limit:10,time:1 second') });
  });

  test('5xx and 429 faults answer JSON errors and never change state', async () => {
    emu = await startEmulator({ seedJobs: 3, rateLimits: false, faults: { rate: 1, kinds: ['5xx'] } });
    const r = await call(emu, 'POST', 'jobs/job_00001/start');
    expect([500, 502, 503]).toContain(r.status);
    expect(r.json.error_code).toEqual(expect.any(String));
    expect(emu.state.workspace('default').jobs.get('job_00001')!.status).not.toBe('SCHEDULING');
    emu.setFaults({ rate: 1, kinds: ['429'] });
    expect((await call(emu, 'GET', 'jobs')).json.error_code).toBe('APIG.0308');
    emu.setFaults(undefined);
    expect((await call(emu, 'GET', 'jobs')).status).toBe(200);
  });

  test('reset destroys the connection without a response', async () => {
    emu = await startEmulator({ seedJobs: 3, rateLimits: false, faults: { rate: 1, kinds: ['reset'] } });
    const r = await rawCall(emu, 'GET', 'jobs');
    expect(r.status).toBeUndefined();
    expect(r.error).toBeDefined();
  });

  test('truncate cuts export bodies short and leaves other calls alone; pathPattern limits faults', async () => {
    emu = await startEmulator({ seedJobs: 5, rateLimits: false, faults: { rate: 1, kinds: ['truncate'] } });
    const r = await rawCall(emu, 'POST', 'jobs/batch-export', { jobList: ['job_00001', 'job_00002'] });
    expect(r.status).toBe(200);
    expect(r.received).toBeLessThan(r.declared!);
    expect((await call(emu, 'GET', 'jobs')).status).toBe(200);
    emu.setFaults({ rate: 1, kinds: ['5xx'], pathPattern: /batch-export/ });
    expect((await call(emu, 'GET', 'jobs')).status).toBe(200);
    expect((await call(emu, 'POST', 'jobs/batch-export', { body: { jobList: ['job_00001'] } })).status).toBeGreaterThanOrEqual(500);
  });

  test('fault injection is deterministic for a seed', async () => {
    const statuses = async (seed: number) => {
      const e = await startEmulator({ seed, seedJobs: 1, rateLimits: false, faults: { rate: 0.5, kinds: ['5xx', '429'] } });
      const out: number[] = [];
      for (let i = 0; i < 12; i++) out.push((await call(e, 'GET', 'jobs')).status);
      await e.close();
      return out;
    };
    const a = await statuses(7);
    expect(await statuses(7)).toEqual(a);
    expect(a.some((s) => s !== 200)).toBe(true);
    emu = await startEmulator();
  });

  test('latency is added to DataArts responses', async () => {
    emu = await startEmulator({ rateLimits: false, latencyMs: 150 });
    const t0 = Date.now();
    await call(emu, 'GET', 'jobs');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    emu.setLatency(0);
  });
});
