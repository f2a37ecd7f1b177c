import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { call } from './helpers.js';

describe('emulator: routing, auth, jobs', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ seedJobs: 250, listPageCap: 100, workspaces: ['ws2'], rateLimits: false, lockFields: true });
  });
  afterAll(() => emu.close());

  test('refuses a non-loopback host', async () => {
    await expect(startEmulator({ host: '0.0.0.0' })).rejects.toThrow(/loopback/);
  });

  test('AK/SK signature accepted, wrong SK rejected with APIG.0301 and request id', async () => {
    const ok = await call(emu, 'GET', 'jobs', { query: { limit: 5 } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    const bad = await call(emu, 'GET', 'jobs', { sk: 'wrong-secret' });
    expect(bad.status).toBe(401);
    expect(bad.json).toEqual({ error_code: 'APIG.0301', error_msg: 'Incorrect IAM authentication information: verify aksk signature fail', request_id: bad.headers.get('x-request-id') });
    expect(emu.requests.at(-1)).toMatchObject({ status: 401, errorCode: 'APIG.0301', authKind: 'aksk' });
  });

  test('the request log keeps only the newest entries (a long-running emulator stays its size); onRequest sees every one', async () => {
    const seen: string[] = [];
    const small = await startEmulator({ requestLogLimit: 3, onRequest: (e) => seen.push(e.query.limit!) });
    try {
      for (let i = 1; i <= 7; i++) expect((await call(small, 'GET', 'jobs', { query: { limit: i } })).status).toBe(200);
      expect(small.requests.map((e) => e.query.limit)).toEqual(['5', '6', '7']);
      expect(seen).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    } finally {
      await small.close();
    }
  });

  test('a clock more than 15 minutes off is refused with the clock-skew message', async () => {
    const r = await call(emu, 'GET', 'jobs', { date: new Date(Date.now() - 20 * 60 * 1000) });
    expect(r.status).toBe(401);
    expect(r.json.error_msg).toMatch(/differs from the server time/);
  });

  test('IAM token flow: password token works, wrong password 401, revoked token 401', async () => {
    const before = emu.state.tokenRequests;
    const tokenBody = (password: string) => ({
      auth: {
        identity: { methods: ['password'], password: { user: { name: emu.credentials.username, password, domain: { name: emu.credentials.domain } } } },
        scope: { project: { id: emu.credentials.projectId } },
      },
    });
    const bad = await fetch(`${emu.url}/v3/auth/tokens`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(tokenBody('nope')) });
    expect(bad.status).toBe(401);
    const res = await fetch(`${emu.url}/v3/auth/tokens?nocatalog=true`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(tokenBody(emu.credentials.password)) });
    expect(res.status).toBe(201);
    const token = res.headers.get('x-subject-token')!;
    const doc = (await res.json()) as any;
    expect(doc.token.project.id).toBe(emu.credentials.projectId);
    expect(doc.token.catalog).toBeUndefined();
    expect(emu.state.tokenRequests).toBe(before + 2);
    const listed = await call(emu, 'GET', 'jobs', { token });
    expect(listed.status).toBe(200);
    expect(emu.requests.at(-1)!.authKind).toBe('token');
    emu.state.revokeTokens();
    const revoked = await call(emu, 'GET', 'jobs', { token });
    expect(revoked.status).toBe(401);
    expect(revoked.json.error_code).toBe('APIG.0301');
    const none = await call(emu, 'GET', 'jobs', { token: 'garbage' });
    expect(none.json.error_msg).toMatch(/decrypt token fail/);
  });

  test('X-Sdk-Content-Sha256 UNSIGNED-PAYLOAD is honoured; an expired token gets "token expires"', async () => {
    const r = await call(emu, 'POST', 'jobs/batch-export', { body: { jobList: ['job_00001'] }, headers: { 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' } });
    expect(r.status).toBe(200);
    const short = await startEmulator({ tokenTtlMs: 30 });
    try {
      const res = await fetch(`${short.url}/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: short.credentials.username, password: short.credentials.password, domain: { name: short.credentials.domain } } } }, scope: { project: { name: 'cn-north-4' } } } }),
      });
      expect(res.status).toBe(201);
      await new Promise((r) => setTimeout(r, 60));
      const expired = await call(short, 'GET', 'jobs', { token: res.headers.get('x-subject-token')! });
      expect(expired.status).toBe(401);
      expect(expired.json.error_msg).toMatch(/token expires/);
    } finally {
      await short.close();
    }
  });

  test('unknown project, unknown route, unknown workspace', async () => {
    const project = await call(emu, 'GET', 'jobs', { projectId: 'ffffffffffffffffffffffffffffffff' });
    expect(project.status).toBe(403);
    const route = await call(emu, 'GET', 'nothing/here');
    expect(route.status).toBe(404);
    expect(route.json.error_code).toBe('APIG.0101');
    const ws = await call(emu, 'GET', 'jobs', { workspace: 'nope' });
    expect(ws.status).toBe(400);
    expect(ws.json.error_code).toBe('DLF.0819');
  });

  test('list pages by record offset, capped at listPageCap, with total', async () => {
    const names: string[] = [];
    let total = 0;
    for (const jobType of ['BATCH', 'REAL_TIME']) {
      let offset = 0;
      for (;;) {
        const r = await call(emu, 'GET', 'jobs', { query: { jobType, limit: 1000, offset } });
        expect(r.status).toBe(200);
        expect(r.json.jobs.length).toBeLessThanOrEqual(100);
        total += offset === 0 ? r.json.total : 0;
        names.push(...r.json.jobs.map((j: any) => j.name));
        offset += r.json.jobs.length;
        if (offset >= r.json.total || r.json.jobs.length === 0) break;
      }
    }
    expect(total).toBe(250);
    expect(new Set(names).size).toBe(250);
    const one = await call(emu, 'GET', 'jobs', { query: { limit: 3, offset: 2 } });
    expect(one.json.jobs).toHaveLength(3);
    const job = one.json.jobs[0];
    expect(job).toMatchObject({ jobType: 'BATCH', path: expect.any(String), status: expect.any(String), lastUpdateTime: expect.any(Number) });
    const filtered = await call(emu, 'GET', 'jobs', { query: { jobName: 'job_0000', limit: 100 } });
    expect(filtered.json.jobs.every((j: any) => j.name.includes('job_0000'))).toBe(true);
  });

  test('show returns the stored definition with id and lock fields, keeping big integers', async () => {
    const job = emu.state.workspace('default').jobs.get('job_00001')!;
    emu.state.lockJob('default', 'job_00001', 'someone-else');
    const r = await call(emu, 'GET', 'jobs/job_00001');
    expect(r.status).toBe(200);
    expect(r.json.name).toBe('job_00001');
    expect(typeof r.json.id).toBe('number');
    expect(r.json.lockedBy).toBe('someone-else');
    expect(r.json.lockedByCurrentUser).toBe(false);
    const big = /"taskWorkGroupId": (\d+)/.exec(job.text)![1]!;
    expect(big.length).toBeGreaterThan(16);
    expect(r.bytes.toString()).toContain(`"taskWorkGroupId": ${big}`);
    const missing = await call(emu, 'GET', 'jobs/no_such_job');
    expect(missing.json.error_code).toBe('DLF.0100');
  });

  test('without lockFields (the default, as in every official model) job details carry no lock field', async () => {
    const plain = await startEmulator({ seedJobs: 3, rateLimits: false });
    try {
      plain.state.lockJob('default', 'job_00001', 'someone-else');
      const r = await call(plain, 'GET', 'jobs/job_00001');
      expect(r.status).toBe(200);
      expect(Object.keys(r.json).filter((k) => /lock/i.test(k))).toEqual([]);
    } finally {
      await plain.close();
    }
  });

  test('create, update, start/stop (REAL_TIME goes through STOPPING), delete', async () => {
    const def = { name: 'rt_job', processType: 'REAL_TIME', nodes: [{ name: 'n', type: 'Dummy', properties: [] }], schedule: { type: 'EXECUTE_ONCE' }, directory: '/rt' };
    expect((await call(emu, 'POST', 'jobs', { body: def, workspace: 'ws2' })).status).toBe(204);
    expect((await call(emu, 'POST', 'jobs', { body: def, workspace: 'ws2' })).json.error_code).toBe('DLF.0102');
    const created = emu.state.workspace('ws2').jobs.get('rt_job')!;
    expect(created).toMatchObject({ status: 'STOPPED', lockedBy: emu.credentials.username, directory: '/rt', jobType: 'REAL_TIME' });
    expect((await call(emu, 'POST', 'jobs/rt_job/start', { workspace: 'ws2' })).status).toBe(204);
    await new Promise((r) => setTimeout(r, 300));
    expect((await call(emu, 'GET', 'jobs/rt_job/status', { workspace: 'ws2' })).json.status).toBe('NORMAL');
    await call(emu, 'POST', 'jobs/rt_job/stop', { workspace: 'ws2' });
    expect(emu.state.workspace('ws2').jobs.get('rt_job')!.status).toBe('STOPPING');
    await new Promise((r) => setTimeout(r, 300));
    expect(emu.state.workspace('ws2').jobs.get('rt_job')!.status).toBe('STOPPED');
    expect((await call(emu, 'PUT', 'jobs/rt_job', { body: { ...def, directory: '/rt2' }, workspace: 'ws2' })).status).toBe(204);
    expect(emu.state.workspace('ws2').jobs.get('rt_job')!.directory).toBe('/rt2');
    expect((await call(emu, 'DELETE', 'jobs/rt_job', { workspace: 'ws2' })).status).toBe(204);
    expect(emu.state.workspace('ws2').jobs.has('rt_job')).toBe(false);
  });

  test('scripts get autoAcquireLock; connections per workspace, paged', async () => {
    const s = await call(emu, 'GET', 'scripts/script_00001');
    expect(s.json).toMatchObject({ name: 'script_00001', autoAcquireLock: true });
    expect((await call(emu, 'GET', 'scripts/none')).json.error_code).toBe('DLF.6201');
    const c = await call(emu, 'GET', 'connections', { query: { limit: 2 } });
    expect(c.json.total).toBe(5);
    expect(c.json.connections).toHaveLength(2);
    expect((await call(emu, 'GET', 'connections', { workspace: 'ws2' })).json.total).toBe(0);
  });
});
