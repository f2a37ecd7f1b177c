/**
 * An emulator that can play prod: connections created and deleted through the API (and seen by
 * the client's list, paged), jobs changed and run from outside, and a job altered on import.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { call } from './helpers.js';
import { runCli } from '../helpers/cli.js';
import { emulatorEnv } from '../helpers/emulator-env.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({
    seedJobs: 2,
    workspaces: ['prod'],
    connections: [{ workspace: 'prod', name: 'prod_dws', type: 'DWS' }],
    rateLimits: false,
    importDelayMs: 1,
    alterOnImport: ['job_00002'],
    listPageCap: 2,
    listOffset: 'page1',
  });
});
afterAll(async () => {
  await emu.close();
});

describe('connections API', () => {
  test('create, read, update, list (paged, page numbers from 1), delete', async () => {
    for (const [name, type] of [['prod_dli', 'DLI'], ['prod_hive', 'HIVE'], ['prod_rds', 'RDS']]) {
      const r = await call(emu, 'POST', 'connections', { workspace: 'prod', body: { name, type, config: { user: 'u', password: 'secret' } } });
      expect(r.status).toBe(204);
    }
    expect((await call(emu, 'POST', 'connections', { workspace: 'prod', body: { name: 'prod_dli', type: 'DLI' } })).json.error_code).toBe('DLF.3051');
    const one = await call(emu, 'GET', 'connections/prod_dli', { workspace: 'prod' });
    expect(one.json).toMatchObject({ name: 'prod_dli', type: 'DLI', config: { user: 'u', password: '*********' } });
    expect((await call(emu, 'PUT', 'connections/prod_dli', { workspace: 'prod', body: { type: 'DLI', description: 'queue' } })).status).toBe(204);
    expect((await call(emu, 'DELETE', 'connections/prod_rds', { workspace: 'prod' })).status).toBe(204);
    expect((await call(emu, 'DELETE', 'connections/prod_rds', { workspace: 'prod' })).json.error_code).toBe('DLF.6322');
    expect([...emu.state.workspace('prod').connections.keys()].sort()).toEqual(['prod_dli', 'prod_dws', 'prod_hive']);
  });
});

describe('jobs from outside', () => {
  test('create, update (PUT), start, status, stop, delete', async () => {
    const def = JSON.parse(emu.state.workspace('default').jobs.get('job_00001')!.text) as Record<string, unknown>;
    const body = { ...def, name: 'outside_job' };
    expect((await call(emu, 'POST', 'jobs', { workspace: 'prod', body })).status).toBe(204);
    expect((await call(emu, 'PUT', 'jobs/outside_job', { workspace: 'prod', body: { ...body, description: 'changed' } })).status).toBe(204);
    expect(JSON.parse(emu.state.workspace('prod').jobs.get('outside_job')!.text).description).toBe('changed');
    expect((await call(emu, 'POST', 'jobs/outside_job/start', { workspace: 'prod' })).status).toBe(204);
    const status = await call(emu, 'GET', 'jobs/outside_job/status', { workspace: 'prod' });
    expect(['SCHEDULING', 'STARTING', 'NORMAL']).toContain(status.json.status);
    expect((await call(emu, 'POST', 'jobs/outside_job/stop', { workspace: 'prod' })).status).toBe(204);
    expect((await call(emu, 'DELETE', 'jobs/outside_job', { workspace: 'prod' })).status).toBe(204);
    expect(emu.state.workspace('prod').jobs.has('outside_job')).toBe(false);
  });
});

describe('alterOnImport', () => {
  test('the named job is stored changed after an import; the others as sent', async () => {
    const env = emulatorEnv(emu, { DATAARTS_WORKSPACE: 'default' });
    const exp = await runCli(['jobs', 'export', 'job_00001', 'job_00002', '-o', '/tmp/dataarts-alter-test.zip', '--force', '--no-progress'], { env });
    expect(exp.code).toBe(0);
    for (const c of emu.state.workspace('default').connections.values()) emu.state.addConnection('prod', c);
    // Its own working directory: the release journal goes there, never into the repository.
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'dataarts-alter-cwd-'));
    const imp = await runCli(['jobs', 'import', '/tmp/dataarts-alter-test.zip', '--obs-path', 'obs://dataarts-staging/alter/', '--no-progress'], {
      env: emulatorEnv(emu, { DATAARTS_WORKSPACE: 'prod' }),
      cwd,
    }).finally(() => rmSync(cwd, { recursive: true, force: true }));
    const prod = emu.state.workspace('prod').jobs;
    const dev = emu.state.workspace('default').jobs;
    expect(prod.get('job_00001')!.text).toBe(dev.get('job_00001')!.text);
    expect(JSON.parse(prod.get('job_00002')!.text).description).toMatch(/changed by the emulator on import/);
    // The import's own pre-check listed prod's connections (pages of 2, page numbers from 1) and let it through.
    expect(imp.stderr).not.toMatch(/not found|does not exist/);
    // …and the import's read-back check notices the altered job (exit 5, naming it).
    expect(imp.code).toBe(5);
    expect(imp.stderr).toMatch(/job_00002 \(description\)/);
  });
});
