/**
 * Job list page size (reference §7): the client asks for 1000 records a page (Huawei's maximum)
 * and, when a service refuses that with a 400 (the OTC mirror allows 1–100), asks again with 100
 * for the rest of the run. Real HTTP against the emulator; the "mirror" is a small node:http proxy
 * in front of it that refuses limit > 100 with 400 DLF.3051 and forwards everything else unchanged.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { runCli } from '../helpers/cli.js';
import { ExitCode } from '../../src/errors.js';
import type { JobsListDocument } from '../../src/commands/jobs-list.js';

const MIRROR_MAX_LIMIT = 100;

interface SeenList {
  limit: number;
  status: number;
}

/** A proxy to `target` that answers list calls asking for more than 100 records with 400 DLF.3051. */
async function startMirror(target: string): Promise<{ url: string; lists: SeenList[]; close(): Promise<void> }> {
  const lists: SeenList[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://mirror');
    const isList = req.method === 'GET' && /^\/v1\/[^/]+\/jobs$/.test(url.pathname);
    const limit = Number(url.searchParams.get('limit') ?? '10');
    if (isList && limit > MIRROR_MAX_LIMIT) {
      lists.push({ limit, status: 400 });
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error_code: 'DLF.3051', error_msg: 'The request parameter is invalid: limit.' }));
      return;
    }
    // Headers go through unchanged (Host included), so the emulator checks the client's signature.
    const upstream = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
      if (isList) lists.push({ limit, status: up.statusCode ?? 0 });
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    lists,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let emu: Emulator;
let cwd: string;

beforeAll(async () => {
  // Pages up to Huawei's maximum; 1,250 jobs need two 1000-record pages for the larger type.
  emu = await startEmulator({ seedJobs: 1250, listPageCap: 1000, rateLimits: true });
  cwd = await fs.mkdtemp(path.join(os.tmpdir(), 'dataarts-paging-limit-'));
});
afterAll(async () => {
  await emu.close();
  await fs.rm(cwd, { recursive: true, force: true });
});

function env(endpoint: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATAARTS_ENDPOINT: endpoint,
    DATAARTS_IAM_ENDPOINT: emu.url,
    DATAARTS_OBS_ENDPOINT: emu.url,
    DATAARTS_PROJECT_ID: emu.credentials.projectId,
    HUAWEICLOUD_SDK_AK: emu.credentials.ak,
    HUAWEICLOUD_SDK_SK: emu.credentials.sk,
    DATAARTS_RETRY_BASE_MS: '5',
    DATAARTS_RETRY_MAX_MS: '50',
    DATAARTS_RETRY_THROTTLE_MS: '20',
    DATAARTS_RATE_SCALE: String(emu.rateScale),
    ...extra,
  };
}

function expectedNames(): string[] {
  return [...emu.state.workspace('default')!.jobs.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function listCalls(from: number): { limit: number; status: number }[] {
  return emu.requests
    .slice(from)
    .filter((r) => r.method === 'GET' && /\/jobs$/.test(r.path))
    .map((r) => ({ limit: Number(r.query.limit), status: r.status }));
}

/** Wait until no new list call has been logged for 100 ms (at most 2 s). */
async function settled(from: number): Promise<void> {
  let seen = -1;
  for (let waited = 0; waited < 2000; waited += 100) {
    const now = listCalls(from).length;
    if (now === seen) return;
    seen = now;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('job list page size', () => {
  test('Huawei: asks for 1000 records a page, so 1,250 jobs take at most 3 list calls', async () => {
    const before = emu.requests.length;
    const r = await runCli(['jobs', 'list', '--json'], { env: env(emu.url), cwd });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as JobsListDocument;
    expect(doc.jobs.map((j) => j.name)).toEqual(expectedNames());
    const calls = listCalls(before);
    expect(calls.every((c) => c.limit === 1000 && c.status === 200)).toBe(true);
    // Two types; the larger one needs two pages of 1000.
    expect(calls.length).toBeLessThanOrEqual(3);
  });

  test('a mirror that refuses limit > 100: falls back to 100 for the rest of the run and reads every job', async () => {
    const mirror = await startMirror(emu.url);
    try {
      const r = await runCli(['jobs', 'list', '--json', '--no-progress'], { env: env(mirror.url), cwd });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout) as JobsListDocument;
      expect(doc.total).toBe(1250);
      expect(doc.jobs.map((j) => j.name)).toEqual(expectedNames());

      const refused = mirror.lists.filter((c) => c.status === 400);
      // Both job types are listed at once, so each may be refused once before the step-down.
      expect(refused.length).toBeGreaterThanOrEqual(1);
      expect(refused.length).toBeLessThanOrEqual(2);
      expect(refused.every((c) => c.limit === 1000)).toBe(true);
      // After the refusals: only pages of 100, all answered.
      const rest = mirror.lists.filter((c) => c.status !== 400);
      expect(rest.every((c) => c.limit === 100 && c.status === 200)).toBe(true);
      expect(rest.length).toBeGreaterThanOrEqual(Math.ceil(1250 / 100));
    } finally {
      await mirror.close();
    }
  });

  test('a 400 with another cause is reported after the one retry at 100 (unknown workspace)', async () => {
    const before = emu.requests.length;
    const r = await runCli(['jobs', 'list', '--json'], { env: env(emu.url, { DATAARTS_WORKSPACE: 'no-such-workspace' }), cwd });
    // DLF.0819 is a configuration error (exit 3).
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: ExitCode.CONFIG, stderr: expect.stringContaining('DLF.0819') });
    // The other job type's list may still be on the wire when the first failure ends the run.
    await settled(before);
    const calls = listCalls(before);
    expect(calls.every((c) => c.status === 400)).toBe(true);
    // Per type at most one call at 1000 and one at 100: the step-down never loops.
    expect(calls.filter((c) => c.limit === 1000).length).toBeLessThanOrEqual(2);
    expect(calls.filter((c) => c.limit === 100).length).toBeLessThanOrEqual(2);
    expect(calls.length).toBeGreaterThanOrEqual(2);
  });
});
