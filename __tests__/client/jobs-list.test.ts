/**
 * `jobs list` end to end over real HTTP against the emulator: paging to `total` with a 100-record
 * page cap, AK/SK and IAM-user credentials, retries through injected faults, auth failures, and a
 * `--verbose` log free of secrets.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { runCli } from '../helpers/cli.js';
import { runCliAt } from './run-at.js';
import type { JobsListDocument } from '../../src/commands/jobs-list.js';

let emu: Emulator;
let cwd: string;

beforeAll(async () => {
  emu = await startEmulator({ seedJobs: 250, listPageCap: 100, rateLimits: true });
  cwd = await fs.mkdtemp(path.join(os.tmpdir(), 'dataarts-list-'));
});
afterAll(async () => {
  await emu.close();
  await fs.rm(cwd, { recursive: true, force: true });
});

function baseEnv(): Record<string, string> {
  return {
    DATAARTS_ENDPOINT: emu.url,
    DATAARTS_IAM_ENDPOINT: emu.url,
    DATAARTS_OBS_ENDPOINT: emu.url,
    DATAARTS_PROJECT_ID: emu.credentials.projectId,
    // Fast retries for the tests; the defaults are for real networks.
    DATAARTS_RETRY_BASE_MS: '5',
    DATAARTS_RETRY_MAX_MS: '50',
    DATAARTS_RETRY_THROTTLE_MS: '20',
    DATAARTS_RATE_SCALE: String(emu.rateScale),
  };
}
function akskEnv(): Record<string, string> {
  return { ...baseEnv(), HUAWEICLOUD_SDK_AK: emu.credentials.ak, HUAWEICLOUD_SDK_SK: emu.credentials.sk };
}
function userEnv(): Record<string, string> {
  return { ...baseEnv(), DATAARTS_USERNAME: emu.credentials.username, DATAARTS_PASSWORD: emu.credentials.password, DATAARTS_DOMAIN: emu.credentials.domain };
}

function expectedNames(): string[] {
  return [...emu.state.workspace('default')!.jobs.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function listCalls(from: number): number {
  return emu.requests.slice(from).filter((r) => r.method === 'GET' && /\/jobs$/.test(r.path)).length;
}

describe('jobs list', () => {
  test('AK/SK: --json returns all 250 jobs of both types, sorted, with ISO times', async () => {
    const before = emu.requests.length;
    const r = await runCli(['jobs', 'list', '--json', '--no-progress'], { env: akskEnv(), cwd });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as JobsListDocument;
    expect(doc.total).toBe(250);
    expect(doc.jobs.map((j) => j.name)).toEqual(expectedNames());
    expect(new Set(doc.jobs.map((j) => j.jobType))).toEqual(new Set(['BATCH', 'REAL_TIME']));
    for (const j of doc.jobs) {
      if (j.lastUpdateTime !== null) expect(j.lastUpdateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    expect(doc.workspace).toBeNull();
    // At least three pages were needed for the larger type (page cap 100).
    expect(listCalls(before)).toBeGreaterThanOrEqual(4);
  });

  test('IAM user: all 250 jobs with exactly one token request for the run', async () => {
    const tokensBefore = emu.state.tokenRequests;
    const r = await runCli(['jobs', 'list', '--json'], { env: userEnv(), cwd });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as JobsListDocument;
    expect(doc.total).toBe(250);
    expect(emu.state.tokenRequests - tokensBefore).toBe(1);
  });

  test('table output and --match (repeatable, union)', async () => {
    const names = expectedNames();
    const a = names[0]!;
    const b = names[names.length - 1]!;
    const r = await runCli(['jobs', 'list', '--match', a, '--match', b], { env: akskEnv(), cwd });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+TYPE\s+STATUS\s+LAST UPDATE\s+PATH$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual([a, b]);
  });

  test('--match selecting nothing: a warning on stderr, exit 0, empty stdout', async () => {
    const r = await runCli(['jobs', 'list', '--match', 'no_such_job_*'], { env: akskEnv(), cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('no job matches');
  });

  test('a wrong secret key exits 3 saying the signature was rejected', async () => {
    const r = await runCli(['jobs', 'list'], { env: { ...akskEnv(), HUAWEICLOUD_SDK_SK: 'wrong-secret-key-0000' }, cwd });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/signature/i);
    expect(r.stderr).toMatch(/rejected/);
    expect(r.stderr).not.toContain('wrong-secret-key-0000');
  });

  test('a wrong IAM password exits 3', async () => {
    const r = await runCli(['jobs', 'list'], { env: { ...userEnv(), DATAARTS_PASSWORD: 'not-the-password' }, cwd });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('IAM rejected');
    expect(r.stderr).not.toContain('not-the-password');
  });

  test('an invalid token exits 3', async () => {
    const r = await runCli(['jobs', 'list'], { env: { ...baseEnv(), DATAARTS_TOKEN: 'not-a-valid-token' }, cwd });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('token');
  });

  test('a clock more than 15 minutes off: exit 3 and a hint to check the system clock', async () => {
    const r = await runCliAt(['jobs', 'list'], { env: akskEnv(), cwd, now: () => new Date(Date.now() - 60 * 60 * 1000) });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/clock/);
  });

  test('a missing project id exits 3 naming the setting', async () => {
    const env = akskEnv();
    delete (env as Record<string, string | undefined>).DATAARTS_PROJECT_ID;
    const r = await runCli(['jobs', 'list'], { env, cwd });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('--project-id');
    expect(r.stderr).toContain('DATAARTS_PROJECT_ID');
  });

  test('an unknown workspace is a configuration error (exit 3)', async () => {
    const r = await runCli(['jobs', 'list', '--workspace', 'no-such-ws'], { env: akskEnv(), cwd });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('DLF.0819');
  });

  test('--verbose logs each request and no secret', async () => {
    for (const env of [akskEnv(), userEnv()]) {
      const r = await runCli(['jobs', 'list', '--verbose', '--json'], { env, cwd });
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/v1\/[0-9a-f]+\/jobs\?.* → 200 .*\d+ ms attempt 1\/5/);
      const all = r.stdout + r.stderr;
      for (const secret of [emu.credentials.sk, emu.credentials.password]) expect(all).not.toContain(secret);
      expect(all).not.toMatch(/Signature=[0-9a-f]/);
      for (const t of emu.state.tokens.keys()) expect(all).not.toContain(t);
    }
  });
});

describe('faults on the wire', () => {
  afterAll(() => emu.setFaults(undefined));

  test('with 5xx, resets and 429 on a third of the calls, the list is still complete', async () => {
    emu.setFaults({ rate: 0.3, kinds: ['5xx', 'reset', '429'] });
    const r = await runCli(['jobs', 'list', '--json', '--verbose'], { env: { ...akskEnv(), DATAARTS_RETRY_MAX_ATTEMPTS: '8' }, cwd });
    emu.setFaults(undefined);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as JobsListDocument).jobs.map((j) => j.name)).toEqual(expectedNames());
    expect(r.stderr).toContain('retrying');
  });

  test('when retries run out: exit 6 and nothing on stdout', async () => {
    emu.setFaults({ rate: 1, kinds: ['5xx'] });
    const r = await runCli(['jobs', 'list', '--json'], { env: { ...akskEnv(), DATAARTS_RETRY_MAX_ATTEMPTS: '3' }, cwd });
    emu.setFaults(undefined);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('after 3 attempts');
    const doc = JSON.parse(r.stdout) as { error: { exitCode: number } };
    expect(doc.error.exitCode).toBe(6);
  });
});

describe('DATAARTS_RATE_SCALE paces the run', () => {
  /** `jobs list` over one-job pages of an emulator whose limits are `emulatorScale` times the reference's (30 list calls/s). */
  async function listPaged(jobs: number, emulatorScale: number, scale: string): Promise<{ code: number; stderr: string; listed: number; throttled: number }> {
    const paged = await startEmulator({ seedJobs: jobs, listPageCap: 1, rateScale: emulatorScale });
    try {
      // One attempt: a single 429 fails the run.
      const env = { ...baseEnv(), DATAARTS_ENDPOINT: paged.url, DATAARTS_IAM_ENDPOINT: paged.url, DATAARTS_OBS_ENDPOINT: paged.url, HUAWEICLOUD_SDK_AK: paged.credentials.ak, HUAWEICLOUD_SDK_SK: paged.credentials.sk, DATAARTS_RATE_SCALE: scale, DATAARTS_RETRY_MAX_ATTEMPTS: '1' };
      const r = await runCli(['jobs', 'list', '--json'], { env, cwd });
      const lists = paged.requests.filter((q) => q.method === 'GET' && q.path.endsWith('/jobs'));
      return { code: r.code, stderr: r.stderr, listed: lists.filter((q) => q.status === 200).length, throttled: lists.filter((q) => q.status === 429).length };
    } finally {
      await paged.close();
    }
  }

  // 18 one-job pages: more than the 15 list calls a second of limits at half the reference's, so
  // a run at the documented pace (28.5/s) is throttled there, and one at half of it is not.
  test('0.5 against limits at half the reference\'s: every call admitted', async () => {
    const { code, listed, throttled } = await listPaged(18, 0.5, '0.5');
    expect(throttled).toBe(0);
    expect(code).toBe(0);
    expect(listed).toBeGreaterThanOrEqual(18);
  });

  test('1 against the same limits: throttled (429 APIG.0308), so the scale is what kept the run under them', async () => {
    const { code, stderr, throttled } = await listPaged(18, 0.5, '1');
    expect(throttled).toBeGreaterThan(0);
    expect(code).toBe(6);
    expect(stderr).toContain('APIG.0308');
  });

  test('3 against the reference\'s limits: the run outpaces them and is throttled', async () => {
    const { code, throttled } = await listPaged(45, 1, '3');
    expect(throttled).toBeGreaterThan(0);
    expect(code).toBe(6);
  });
});
