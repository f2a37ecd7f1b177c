import { describe, expect, test } from '@jest/globals';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { runCli } from '../helpers/cli.js';
import { EMULATOR_DEFAULTS, startEmulator } from '../helpers/emulator.js';
import { formatSdkDate } from '../../src/auth/sign-sdk.js';

const require = createRequire(import.meta.url);
const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner') as {
  AKSKSigner: { sign(request: unknown, credential: { getAk(): string; getSk(): string }): Record<string, string> };
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

describe('dataarts emulator command and the official signer', () => {
  test('prints export lines, serves until the signal, writes the request log', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'emu-cli-'));
    try {
      const port = await freePort();
      const logFile = path.join(dir, 'requests.jsonl');
      const controller = new AbortController();
      const running = runCli(['emulator', '--port', String(port), '--seed-jobs', '3', '--workspace', 'prod', '--workspace', 'qa', '--request-log', logFile], { signal: controller.signal });
      let status = 0;
      for (let i = 0; i < 100 && status === 0; i++) {
        status = await fetch(`http://127.0.0.1:${port}/v1/x/jobs`).then((r) => r.status, () => 0);
        if (status === 0) await new Promise((r) => setTimeout(r, 20));
      }
      expect(status).toBe(403);
      controller.abort();
      const result = await running;
      expect(result.code).toBe(0);
      // Both repeated --workspace values exist (the global --workspace flag must not swallow them).
      expect(result.stderr).toMatch(/workspaces: default \(3 jobs[^)]*\), prod \(0 jobs\), qa \(0 jobs\)/);
      const url = `http://127.0.0.1:${port}`;
      expect(result.stdout).toContain(`export DATAARTS_ENDPOINT=${url}\n`);
      expect(result.stdout).toContain(`export DATAARTS_IAM_ENDPOINT=${url}\n`);
      expect(result.stdout).toContain(`export DATAARTS_OBS_ENDPOINT=${url}\n`);
      expect(result.stdout).toContain(`export DATAARTS_PROJECT_ID=${EMULATOR_DEFAULTS.projectId}\n`);
      expect(result.stdout).toContain(`export HUAWEICLOUD_SDK_AK=${EMULATOR_DEFAULTS.ak}\n`);
      expect(result.stdout).toContain(`export HUAWEICLOUD_SDK_SK=${EMULATOR_DEFAULTS.sk}\n`);
      expect(result.stdout).toContain('obs://dataarts-staging/');
      expect(result.stdout.split('\n').filter((l) => l !== '').every((l) => l.startsWith('export ') || l.startsWith('#'))).toBe(true);
      const lines = (await fs.readFile(logFile, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
      expect(lines[0]).toMatchObject({ method: 'GET', path: '/v1/x/jobs', status: 403 });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  test('--json prints one document; bad fault kind is a usage error', async () => {
    const controller = new AbortController();
    controller.abort();
    const r = await runCli(['emulator', '--json'], { signal: controller.signal });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.env.HUAWEICLOUD_SDK_AK).toBe(EMULATOR_DEFAULTS.ak);
    expect(doc.iamUser.username).toBe(EMULATOR_DEFAULTS.username);
    // The start-up document lists the workspaces and their connections.
    expect(doc.workspaces).toEqual([{ id: 'default', jobs: 0, connections: [] }]);
    // Limits enforced: the CLI keeps its documented pace (no DATAARTS_RATE_SCALE); none: 100 times it.
    expect(doc.env.DATAARTS_RATE_SCALE).toBeUndefined();
    const unlimited = await runCli(['emulator', '--json', '--no-rate-limit'], { signal: controller.signal });
    expect(JSON.parse(unlimited.stdout).env.DATAARTS_RATE_SCALE).toBe('100');
    const bad = await runCli(['emulator', '--fault-rate', '0.1', '--fault-kinds', 'boom']);
    expect(bad.code).toBe(2);
    const host = await runCli(['emulator', '--host', '0.0.0.0']);
    expect(host.code).toBe(2);
  });

  test('--connection WS:NAME[:TYPE] gives a workspace its connections; --seed-workspace seeds another one', async () => {
    const controller = new AbortController();
    controller.abort();
    const r = await runCli(
      ['emulator', '--json', '--seed-jobs', '4', '--seed-workspace', 'dev', '--connection', 'prod:prod_dws', '--connection', 'prod:prod_dli:DLI', '--list-offset', 'page'],
      { signal: controller.signal },
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const byId = Object.fromEntries(doc.workspaces.map((w: { id: string }) => [w.id, w]));
    expect(byId.prod).toEqual({ id: 'prod', jobs: 0, connections: [{ name: 'prod_dli', type: 'DLI' }, { name: 'prod_dws', type: 'DWS' }] });
    expect(byId.dev.jobs).toBe(4);
    expect(byId.default.jobs).toBe(0);
    for (const bad of [['--connection', 'no-colon'], ['--list-offset', 'bytes'], ['--task-shape', 'xyz']]) {
      expect((await runCli(['emulator', ...bad])).code).toBe(2);
    }
  });

  test('a request signed by the official SDK signer is accepted (query with spaces, workspace header, body)', async () => {
    const emu = await startEmulator({ seedJobs: 2, workspaces: ['w s'], rateLimits: false });
    try {
      const endpoint = `${emu.url}/v1/${emu.credentials.projectId}/jobs/batch-export`;
      const request = {
        method: 'POST',
        endpoint,
        queryParams: { note: 'a b/c' },
        headers: { 'Content-Type': 'application/json', 'X-Sdk-Date': formatSdkDate(new Date()), 'X-Project-Id': emu.credentials.projectId },
        data: { jobList: ['job_00001'] },
      };
      const signed = AKSKSigner.sign(request, { getAk: () => emu.credentials.ak, getSk: () => emu.credentials.sk });
      const res = await fetch(`${endpoint}?note=a%20b%2Fc`, { method: 'POST', headers: { ...request.headers, ...signed }, body: JSON.stringify(request.data) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      const tampered = await fetch(`${endpoint}?note=other`, { method: 'POST', headers: { ...request.headers, ...signed }, body: JSON.stringify(request.data) });
      expect(tampered.status).toBe(401);
    } finally {
      await emu.close();
    }
  });
});
