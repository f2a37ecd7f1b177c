/**
 * The listing, export and import paths against an emulator reading the list `offset` each way
 * the reference leaves possible (§7, §19): record offset, page number from 0, page number from 1.
 * Pages are capped at 5 so every list takes several pages (25 jobs: 6 pages); the list must be
 * exactly the workspace. (Export batches of at most 100 names do not depend on the reading: they
 * are in export.test.ts, with 250 jobs.)
 * (Run any suite in another reading with DATAARTS_TEST_LIST_OFFSET=page0|page1: the shared helpers
 * start their emulators with it.)
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { runCli } from '../helpers/cli.js';
import { emulatorEnv } from '../helpers/emulator-env.js';
import { ExitCode } from '../../src/errors.js';
import { readArchive } from '../../src/archive/model.js';
import type { JobsListDocument } from '../../src/commands/jobs-list.js';

const JOBS = 25;
const CAP = 5;

describe.each(['record', 'page0', 'page1'] as const)('emulator reading offset as %s', (listOffset) => {
  let emu: Emulator;
  let cwd: string;

  beforeAll(async () => {
    emu = await startEmulator({ seedJobs: JOBS, seedWorkspace: 'dev', workspaces: ['prod'], listPageCap: CAP, listOffset, rateLimits: false, importDelayMs: 0 });
    for (const c of emu.state.workspace('dev').connections.values()) emu.state.addConnection('prod', c);
    cwd = await fs.mkdtemp(path.join(os.tmpdir(), `dataarts-offset-${listOffset}-`));
  });
  afterAll(async () => {
    await emu.close();
    await fs.rm(cwd, { recursive: true, force: true });
  });

  const names = (ws: string) => [...emu.state.workspace(ws).jobs.keys()].sort();

  test('jobs list: exactly the workspace; --verbose names the reading', async () => {
    const r = await runCli(['jobs', 'list', '--json', '--verbose'], { env: emulatorEnv(emu, { DATAARTS_WORKSPACE: 'dev' }), cwd });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as JobsListDocument;
    expect(doc.jobs.map((j) => j.name)).toEqual(names('dev'));
    const said = listOffset === 'record' ? 'a record offset' : listOffset === 'page0' ? 'a page number counted from 0' : 'a page number counted from 1';
    expect(r.stderr).toContain(`reads 'offset' as ${said}`);
  });

  test('jobs export --all, then jobs import of all of them into an empty workspace', async () => {
    const out = path.join(cwd, 'all.zip');
    const exp = await runCli(['jobs', 'export', '--all', '-o', out, '--no-progress'], { env: emulatorEnv(emu, { DATAARTS_WORKSPACE: 'dev' }), cwd });
    expect(exp.code).toBe(0);
    const model = await readArchive(out);
    expect(model.jobs.map((j) => j.name).sort()).toEqual(names('dev'));

    const imp = await runCli(['jobs', 'import', out, '--obs-path', 'obs://dataarts-staging/offset-tests/', '--no-progress'], {
      env: emulatorEnv(emu, { DATAARTS_WORKSPACE: 'prod' }),
      cwd,
    });
    expect(imp.stderr).not.toMatch(/error/i);
    expect(imp.code).toBe(0);
    expect(names('prod')).toEqual(names('dev'));
  });
});

describe('a service whose pages fit no reading of offset', () => {
  let emu: Emulator;
  let proxy: http.Server;
  let url: string;

  beforeAll(async () => {
    emu = await startEmulator({ seedJobs: 120, listPageCap: 20, rateLimits: false });
    // Answers every list call with the first page, whatever the offset: duplicates under any reading.
    proxy = http.createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://proxy');
      if (req.method === 'GET' && /\/jobs$/.test(u.pathname)) u.searchParams.set('offset', '0');
      const upstream = http.request(`${emu.url}${u.pathname}${u.search}`, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => proxy.close(() => r()));
    await emu.close();
  });

  test('exit 6 saying the answers fit no reading; nothing on stdout', async () => {
    // The signature covers the query, so the proxy's rewrite would be refused: use a token instead.
    const env = { ...emulatorEnv(emu), DATAARTS_ENDPOINT: url };
    delete (env as Record<string, string | undefined>).HUAWEICLOUD_SDK_AK;
    delete (env as Record<string, string | undefined>).HUAWEICLOUD_SDK_SK;
    const r = await runCli(['jobs', 'list', '--json'], { env: { ...env, DATAARTS_USERNAME: emu.credentials.username, DATAARTS_PASSWORD: emu.credentials.password, DATAARTS_DOMAIN: emu.credentials.domain } });
    expect(r.code).toBe(ExitCode.SERVICE);
    expect(JSON.parse(r.stdout).error.message).toMatch(/fit no reading of 'offset'/);
  });
});
