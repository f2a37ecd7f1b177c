import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { buildZip, readZip, ZipUnreadableError } from '../../src/emulator/zip.js';
import { call, obsPut, waitForTask } from './helpers.js';

const BUCKET = 'dataarts-staging';

function jobDef(name: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    processType: 'BATCH',
    directory: '/imported',
    nodes: [{ name: 'sql', type: 'DWSSQL', properties: [{ name: 'scriptName', value: `${name}_sql` }, { name: 'connectionName', value: 'dev_dws' }] }],
    schedule: { type: 'CRON', cron: { startTime: '2024-01-01T00:00:00+08', expression: '0 0 2 * * ?', expressionTimeZone: 'Asia/Shanghai' } },
    params: [{ name: 'env', value: 'dev', type: 'variable' }],
    basicConfig: { owner: 'x', priority: 0, tags: [] as string[] },
    ...extra,
  };
}

function batchZip(jobs: Record<string, unknown>[]): Buffer {
  const entries: [string, string][] = [];
  for (const j of jobs) {
    const name = j.name as string;
    entries.push([`jobs/${name}/${name}.job`, JSON.stringify(j, null, 2)]);
    entries.push([`jobs/${name}/${name}_sql.script`, JSON.stringify({ name: `${name}_sql`, type: 'DWSSQL', content: 'select 1', connectionName: 'dev_dws' }, null, 2)]);
  }
  return buildZip(entries);
}

async function stage(emu: Emulator, data: Buffer, key = 'staging/jobs.zip'): Promise<string> {
  const res = await obsPut(emu, BUCKET, key, data);
  expect(res.status).toBe(200);
  return `obs://${BUCKET}/${key}`;
}

async function importAndWait(emu: Emulator, body: Record<string, unknown>, workspace = 'target') {
  const r = await call(emu, 'POST', 'jobs/import', { body, workspace });
  expect(r.status).toBe(200);
  return waitForTask(emu, r.json.taskId, workspace);
}

describe('emulator: OBS, check-file and import', () => {
  let emu: Emulator;
  beforeEach(async () => {
    emu = await startEmulator({ workspaces: ['target'], rateLimits: false, importDelayMs: 2 });
  });
  afterEach(() => emu.close());

  test('OBS: signed PUT stored; wrong key → SignatureDoesNotMatch; skewed date → RequestTimeTooSkewed; unknown bucket → NoSuchBucket', async () => {
    const data = randomBytes(100);
    expect((await obsPut(emu, BUCKET, 'a/b c.bin', data)).status).toBe(200);
    expect(emu.state.obsObject(BUCKET, 'a/b c.bin')).toEqual(data);
    const bad = await obsPut(emu, BUCKET, 'x', data, { sk: 'wrong' });
    expect(bad.status).toBe(403);
    expect(await bad.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    const skew = await obsPut(emu, BUCKET, 'x', data, { date: new Date(Date.now() - 3600_000) });
    expect(await skew.text()).toContain('RequestTimeTooSkewed');
    const nob = await obsPut(emu, 'nobucket', 'x', data);
    expect(nob.status).toBe(404);
    expect(await nob.text()).toContain('NoSuchBucket');
  });

  test('check-file lists jobs and scripts; bad path, no bucket, not a zip', async () => {
    const path = await stage(emu, batchZip([jobDef('a_job'), jobDef('b_job')]));
    const r = await call(emu, 'POST', 'jobs/check-file', { body: { path } });
    expect(r.json.jobs).toEqual([
      { name: 'a_job', path: '/imported', params: { env: 'dev' } },
      { name: 'b_job', path: '/imported', params: { env: 'dev' } },
    ]);
    expect(r.json.scripts.map((s: any) => s.name).sort()).toEqual(['a_job_sql', 'b_job_sql']);
    expect((await call(emu, 'POST', 'jobs/import', { body: { path: 'bucket/x.zip' } })).json.error_code).toBe('DLF.0803');
    expect((await call(emu, 'POST', 'jobs/import', { body: { path: 'obs://other/x.zip' } })).json.error_code).toBe('DLF.1242');
    const junk = await stage(emu, Buffer.from('not a zip'), 'junk.zip');
    expect((await call(emu, 'POST', 'jobs/import', { body: { path: junk } })).json.error_code).toBe('DLF.0815');
  });

  test('import creates jobs and scripts, applies params, executeUser and rebinding, locks to the caller', async () => {
    const path = await stage(emu, batchZip([jobDef('a_job'), jobDef('b_job')]));
    const body = {
      path,
      sameNamePolicy: 'SKIP',
      params: { env: 'prod' },
      jobsParam: [{ name: 'b_job', params: { only_b: '1' } }],
      executeUser: 'runner',
      targetStatus: 'SUBMITTED',
      resources: [{ name: 'dev_dws', type: 'DWS_CONNECTION', replace: 'prod_dws' }],
    };
    const task = await importAndWait(emu, body);
    expect(task.status).toBe('SUCCESSFUL');
    expect(task.subtasks.map((s: any) => [s.name, s.status])).toEqual([
      ['Import the a_job job.', 'SUCCESSFUL'],
      ['Import the b_job job.', 'SUCCESSFUL'],
    ]);
    expect(task.subtasks[0].message).toMatch(/^created/);
    expect(emu.state.importCalls.at(-1)).toEqual(body);
    const ws = emu.state.workspace('target');
    const b = ws.jobs.get('b_job')!;
    expect(b.status).toBe('STOPPED');
    expect(b.lockedBy).toBe(emu.credentials.username);
    expect(b.json.params).toEqual([{ name: 'env', value: 'prod', type: 'variable' }, { name: 'only_b', value: '1', type: 'variable' }]);
    expect((b.json.basicConfig as any).executeUser).toBe('runner');
    expect(b.text).toContain('"prod_dws"');
    expect(b.submittedText).toBe(b.text);
    expect(ws.scripts.get('b_job_sql')!.json.connectionName).toBe('prod_dws');
  });

  test('SKIP leaves an existing job untouched; OVERWRITE of a running job fails naming its status', async () => {
    emu.state.putJob('target', jobDef('a_job', { description: 'original' }), { status: 'SCHEDULING' });
    const original = emu.state.workspace('target').jobs.get('a_job')!.text;
    const path = await stage(emu, batchZip([jobDef('a_job'), jobDef('new_job')]));
    const skip = await importAndWait(emu, { path, sameNamePolicy: 'SKIP' });
    expect(skip.status).toBe('SUCCESSFUL');
    expect(skip.subtasks[0].message).toMatch(/^skipped/);
    expect(emu.state.workspace('target').jobs.get('a_job')!.text).toBe(original);
    const over = await importAndWait(emu, { path, sameNamePolicy: 'OVERWRITE' });
    expect(over.status).toBe('FAILED');
    expect(over.subtasks[0]).toMatchObject({ status: 'FAILED', message: expect.stringContaining('SCHEDULING') });
    expect(over.subtasks[1]).toMatchObject({ status: 'SUCCESSFUL', message: expect.stringMatching(/^overwritten/) });
    emu.state.setJobStatus('target', 'a_job', 'STOPPED');
    const ok = await importAndWait(emu, { path, sameNamePolicy: 'OVERWRITE' });
    expect(ok.status).toBe('SUCCESSFUL');
    expect(emu.state.workspace('target').jobs.get('a_job')!.text).not.toBe(original);
  });

  test('hard lock by another user and locked tags fail the job; soft lock does not', async () => {
    emu.state.putJob('target', jobDef('locked_job'));
    emu.state.lockJob('target', 'locked_job', 'alice');
    const path = await stage(emu, batchZip([jobDef('locked_job'), jobDef('tagged_job', { basicConfig: { tags: ['frozen'] } })]));
    emu.state.lockTag('target', 'frozen');
    emu.state.setHardLock('target', true);
    const hard = await importAndWait(emu, { path, sameNamePolicy: 'OVERWRITE' });
    expect(hard.subtasks[0].message).toContain('alice');
    expect(hard.subtasks[1].message).toContain('frozen');
    expect(hard.status).toBe('FAILED');
    emu.state.setHardLock('target', false);
    const soft = await importAndWait(emu, { path, sameNamePolicy: 'OVERWRITE' });
    expect(soft.subtasks[0].status).toBe('SUCCESSFUL');
    expect(emu.state.workspace('target').jobs.get('locked_job')!.lockedBy).toBe(emu.credentials.username);
  });

  test('the task reads the staged object when it runs: removed before that, the task fails with "Fail to read OBS file."', async () => {
    const slow = await startEmulator({ workspaces: ['target'], rateLimits: false, importDelayMs: 100 });
    try {
      const path = await stage(slow, batchZip([jobDef('gone_job')]));
      const started = await call(slow, 'POST', 'jobs/import', { body: { path }, workspace: 'target' });
      expect(started.status).toBe(200);
      const [, bucket, key] = /^obs:\/\/([^/]+)\/(.+)$/.exec(path)!;
      slow.state.buckets.get(bucket!)!.delete(key!);
      const task = await waitForTask(slow, started.json.taskId, 'target');
      expect(task.status).toBe('FAILED');
      expect(task.message).toBe('Fail to read OBS file.');
      expect(slow.state.workspace('target').jobs.has('gone_job')).toBe(false);
    } finally {
      await slow.close();
    }
  });

  test('one running import per workspace; unknown task DLF.0810; size limit', async () => {
    const jobs = Array.from({ length: 20 }, (_, i) => jobDef(`j_${i}`));
    const path = await stage(emu, batchZip(jobs));
    const first = await call(emu, 'POST', 'jobs/import', { body: { path }, workspace: 'target' });
    const second = await call(emu, 'POST', 'jobs/import', { body: { path }, workspace: 'target' });
    expect(second.status).toBe(400);
    expect(second.json.error_code).toBe('DLF.0816');
    expect(emu.state.tasks.size).toBe(1);
    // The task reads the staged object when it runs: its subtasks appear then, one per job.
    let running = await call(emu, 'GET', `system-tasks/${first.json.taskId}`, { workspace: 'target' });
    while ((running.json.subtasks as unknown[]).length === 0) {
      await new Promise((r) => setTimeout(r, 2));
      running = await call(emu, 'GET', `system-tasks/${first.json.taskId}`, { workspace: 'target' });
    }
    expect(running.json.status).toBe('RUNNING');
    expect(running.json.subtasks).toHaveLength(20);
    expect((await waitForTask(emu, first.json.taskId, 'target')).status).toBe('SUCCESSFUL');
    expect((await call(emu, 'GET', 'system-tasks/00000000000000000000000000000000')).json.error_code).toBe('DLF.0810');
    // 11 MB of incompressible data in one entry: over the limit unpacked (and zipped).
    const huge = buildZip([['jobs/big/big.job', randomBytes(6 * 1024 * 1024).toString('hex').slice(0, 11 * 1024 * 1024)]]);
    const bigPath = await stage(emu, huge, 'big.zip');
    const tooBig = await call(emu, 'POST', 'jobs/import', { body: { path: bigPath }, workspace: 'target' });
    expect(tooBig.json.error_code).toBe('DLF.0817');
  });

  test('approval on: targetStatus and approvers are required', async () => {
    emu.state.setApproval('target', true);
    const path = await stage(emu, batchZip([jobDef('a_job')]));
    expect((await call(emu, 'POST', 'jobs/import', { body: { path }, workspace: 'target' })).json.error_code).toBe('DLF.0802');
    const task = await importAndWait(emu, { path, targetStatus: 'SUBMITTED', approvers: [{ approverName: 'bob' }] });
    expect(task.status).toBe('SUCCESSFUL');
  });

  test('single layout archives import too', async () => {
    const job = jobDef('single_job');
    const zip = buildZip([
      ['jobs/single_job.job', JSON.stringify(job, null, 2)],
      ['scripts/single_job_sql.script', JSON.stringify({ name: 'single_job_sql', type: 'DWSSQL', content: 'select 2' })],
    ]);
    const task = await importAndWait(emu, { path: await stage(emu, zip, 'single.zip') });
    expect(task.status).toBe('SUCCESSFUL');
    expect(emu.state.workspace('target').scripts.get('single_job_sql')!.json.content).toBe('select 2');
  });
});

describe('the emulator reading a staged zip', () => {
  const entries: [string, string][] = [['jobs/a/a.job', '{"name":"a"}'], ['jobs/a/s.script', 'x'.repeat(5000)], ['jobs/b/b.job', '']];

  test('a plain zip from its central directory, every entry inflated and checked', async () => {
    const files = await readZip(buildZip(entries), 1_000_000);
    expect([...files].map(([n, d]) => [n, d.toString('utf8')])).toEqual(entries);
  });

  test('a name without the UTF-8 flag is CP437, as yauzl reads it', async () => {
    const zip = buildZip([['jobs/é/é.job', '{}']]);
    // Clear bit 11 (UTF-8) in the local and the central header.
    for (const [sig, at] of [[0x04034b50, 6], [0x02014b50, 8]] as const) {
      const h = zip.indexOf(Buffer.from(new Uint32Array([sig]).buffer));
      zip.writeUInt16LE(zip.readUInt16LE(h + at) & ~0x800, h + at);
    }
    expect([...(await readZip(zip, 1_000_000)).keys()]).toEqual(['jobs/├⌐/├⌐.job']);
  });

  test('a damaged entry (CRC), an unsafe name or more than the unpacked limit is refused', async () => {
    const damaged = buildZip(entries);
    // The stored script's last byte (compressed by buildZip: flip a byte inside its deflate data).
    const at = damaged.indexOf(Buffer.from('jobs/a/s.script')) + 'jobs/a/s.script'.length + 2;
    damaged[at] = damaged[at]! ^ 0xff;
    await expect(readZip(damaged, 1_000_000)).rejects.toBeInstanceOf(ZipUnreadableError);
    // `../` in a name: not the plain case; yauzl, which then reads it, refuses it.
    await expect(readZip(buildZip([['jobs/../evil.job', '{}']]), 1_000_000)).rejects.toBeInstanceOf(ZipUnreadableError);
    await expect(readZip(buildZip(entries), 100)).rejects.toThrow(/unpacked size over 100/);
  });
});
