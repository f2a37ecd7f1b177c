/**
 * Task and status shapes (reference §6, §19): DGC's `subtasks` with ms, DLF's `subTasks` with
 * string times; job status `startTime`/`starttime`, `nodes[].type`/`nodeType`; subtask names in
 * the reference's example form or bare. Real HTTP against the emulator in each shape, plus the
 * pure outcome mapping with `unknown`.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startEmulator, type Emulator, type TaskShape } from '../helpers/emulator.js';
import { normalizeJobStatus, normalizeSystemTask } from '../../src/api/dataarts.js';
import { taskJobOutcomes } from '../../src/import/outcomes.js';
import { call } from '../emulator/helpers.js';
import { DeterministicZipWriter } from '../../src/archive/zip-write.js';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

describe('normalising the answers', () => {
  test('DLF: subTasks with string times', () => {
    const t = normalizeSystemTask({ id: 't', name: 'n', status: 'SUCCESSFUL', startTime: '1700000000000', lastUpdate: '1700000000500', subTasks: [{ id: 's', name: 'job_a', status: 'SUCCESSFUL', lastUpdate: '1700000000400' }] });
    expect(t).toMatchObject({ startTime: 1700000000000, lastUpdate: 1700000000500, subtasks: [{ name: 'job_a', status: 'SUCCESSFUL', lastUpdate: 1700000000400 }] });
    expect('subTasks' in t).toBe(false);
  });

  test('DGC: subtasks with numbers', () => {
    const t = normalizeSystemTask({ id: 't', name: 'n', status: 'RUNNING', startTime: 5, lastUpdate: 6, subtasks: [{ id: 's', name: 'Import the a job.', status: 'RUNNING' }] });
    expect(t).toMatchObject({ startTime: 5, lastUpdate: 6, subtasks: [{ name: 'Import the a job.' }] });
  });

  test('job status in either spelling', () => {
    const dgc = normalizeJobStatus({ name: 'a', status: 'NORMAL', startTime: 7, nodes: [{ name: 'n1', type: 'DLISQL' }] }, 'a');
    const dlf = normalizeJobStatus({ name: 'a', status: 'NORMAL', starttime: '7', nodes: [{ name: 'n1', nodeType: 'DLISQL' }] }, 'a');
    expect(dlf).toEqual(dgc);
    expect(dgc).toMatchObject({ startTime: 7, nodes: [{ name: 'n1', type: 'DLISQL' }] });
  });
});

describe('taskJobOutcomes', () => {
  const planned = [
    { name: 'a', action: 'create' as const },
    { name: 'b', action: 'overwrite' as const },
    { name: 'c', action: 'skip' as const },
    { name: 'd', action: 'create' as const },
  ];

  test('prefixed messages, bare names, and a job no subtask names → unknown (not the task status)', () => {
    const out = taskJobOutcomes(
      {
        status: 'SUCCESSFUL',
        subtasks: [
          { name: 'Import the a job.', status: 'SUCCESSFUL', message: 'created: job a was created.' },
          { name: 'b', status: 'SUCCESSFUL', message: 'Job b imported.' },
          { name: 'c', status: 'SUCCESSFUL' },
        ],
      },
      planned,
    );
    expect(out.map((o) => [o.name, o.result])).toEqual([
      ['a', 'created'],
      ['b', 'overwritten'],
      ['c', 'skipped'],
      ['d', 'unknown'],
    ]);
  });

  test('a failed subtask is failed with its message; an unknown stays unknown in a FAILED task', () => {
    const out = taskJobOutcomes({ status: 'FAILED', subtasks: [{ name: 'a', status: 'FAILED', message: 'job a is not stopped' }] }, planned.slice(0, 2));
    expect(out).toEqual([
      { name: 'a', result: 'failed', message: 'job a is not stopped' },
      { name: 'b', result: 'unknown', message: 'the import task has no subtask for this job' },
    ]);
  });
});

describe.each([
  { model: 'dgc', prefixed: true },
  { model: 'dlf', prefixed: false },
] as TaskShape[])('emulator task shape %o', (shape) => {
  let emu: Emulator;
  let dir: string;
  beforeAll(async () => {
    emu = await startEmulator({ seedJobs: 3, workspaces: ['prod'], rateLimits: false, importDelayMs: 1, taskShape: shape });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dataarts-shape-'));
  });
  afterAll(async () => {
    await emu.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('system task and job status come in that shape, and the client reads them alike', async () => {
    const zipPath = path.join(dir, 'a.zip');
    const w = DeterministicZipWriter.open(zipPath);
    const jobText = emu.state.workspace('default').jobs.get('job_00001')!.text;
    await w.add('jobs/job_00001/job_00001.job', Buffer.from(jobText));
    await w.finish('');
    emu.state.putObsObject('dataarts-staging', 'shape/a.zip', await fs.readFile(zipPath));
    const started = await call(emu, 'POST', 'jobs/import', { body: { path: 'obs://dataarts-staging/shape/a.zip' }, workspace: 'prod' });
    expect(started.status).toBe(200);
    let task: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) {
      task = (await call(emu, 'GET', `system-tasks/${started.json.taskId}`, { workspace: 'prod' })).json;
      if (task.status !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const key = shape.model === 'dlf' ? 'subTasks' : 'subtasks';
    expect(Object.keys(task)).toContain(key);
    expect(typeof task.startTime).toBe(shape.model === 'dlf' ? 'string' : 'number');
    const sub = (task[key] as Record<string, unknown>[])[0]!;
    expect(sub.name).toBe(shape.prefixed ? 'Import the job_00001 job.' : 'job_00001');
    const outcomes = taskJobOutcomes(normalizeSystemTask(task), [{ name: 'job_00001', action: 'create' }]);
    expect(outcomes[0]!.result).toBe('created');

    const status = (await call(emu, 'GET', 'jobs/job_00001/status')).json;
    expect(Object.keys(status)).toContain(shape.model === 'dlf' ? 'starttime' : 'startTime');
    expect(normalizeJobStatus(status, 'job_00001').nodes.every((n) => typeof n.type === 'string')).toBe(true);
  });
});
