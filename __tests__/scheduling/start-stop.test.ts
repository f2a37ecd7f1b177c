/**
 * `jobs start|stop NAME... [--match] [--names-from]` (issue 18 item 6) over HTTP against the
 * emulator: the round trip, waiting for real-time transitions, --json, --no-wait, and the exit
 * codes (2 for unknown names before any change, 5 naming a job that did not reach the state).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { runCli } from '../helpers/cli.js';
import { emulatorEnv } from '../helpers/emulator-env.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';

let emu: Emulator;
let batch: string;
let realTime: string;

const cli = (args: string[], stdin?: string) => runCli(['jobs', ...args], { env: emulatorEnv(emu), ...(stdin === undefined ? {} : { stdin }) });
const status = (name: string) => emu.state.workspace('default').jobs.get(name)!.status;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, seedJobs: 4 });
  const jobs = [...emu.state.workspace('default').jobs.values()];
  batch = jobs.find((j) => j.jobType === 'BATCH')!.name;
  realTime = jobs.find((j) => j.jobType === 'REAL_TIME')!.name;
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.setFaults(undefined);
  emu.state.setJobStatus('default', batch, 'SCHEDULING');
  emu.state.setJobStatus('default', realTime, 'NORMAL');
  emu.requests.length = 0;
});

describe('jobs start|stop', () => {
  test('stop a b && start a b: each waits until the service reports the state (real-time through STOPPING/STARTING)', async () => {
    const stop = await cli(['stop', batch, realTime]);
    expect(stop.stderr).not.toMatch(/Error|Warning/);
    expect(stop.code).toBe(0);
    expect(stop.stdout).toMatch(new RegExp(`${realTime}\\s+REAL_TIME\\s+stopped\\s+STOPPED`));
    expect([status(batch), status(realTime)]).toEqual(['STOPPED', 'STOPPED']);
    const start = await cli(['start', batch, realTime, '--json']);
    expect(start.code).toBe(0);
    const doc = JSON.parse(start.stdout) as { action: string; jobs: { name: string; before: string; status: string; result: string }[] };
    expect(doc.action).toBe('start');
    expect(doc.jobs.map((j) => [j.name, j.before, j.result, j.status])).toEqual([
      [batch, 'STOPPED', 'started', 'SCHEDULING'],
      [realTime, 'STOPPED', 'started', 'NORMAL'],
    ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)));
    expect([status(batch), status(realTime)]).toEqual(['SCHEDULING', 'NORMAL']);
  });

  test('a job already in the state is not called; --names-from - and --match select; --no-wait returns at once', async () => {
    const r = await cli(['start', '--names-from', '-', '--json'], `${batch}\n# comment\n`);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { jobs: { result: string }[] }).jobs.map((j) => j.result)).toEqual(['already running']);
    expect(emu.requests.filter((q) => q.method === 'POST')).toEqual([]);
    const nowait = await cli(['stop', '--match', realTime, '--no-wait', '--json']);
    expect(nowait.code).toBe(0);
    expect((JSON.parse(nowait.stdout) as { jobs: { result: string }[] }).jobs.map((j) => j.result)).toEqual(['requested']);
    expect(status(realTime)).toBe('STOPPING');
  });

  test('an unknown name: exit 2 naming it, nothing changed', async () => {
    const r = await cli(['stop', batch, 'no_such_job']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no_such_job');
    expect(emu.requests.filter((q) => q.method === 'POST')).toEqual([]);
    expect(status(batch)).toBe('SCHEDULING');
  });

  test('a job that does not reach the state: exit 5 naming it (the result document says which with --json)', async () => {
    emu.state.setJobStatus('default', batch, 'STOPPED');
    emu.setFaults({ rate: 1, kinds: ['5xx'], pathPattern: new RegExp(`/jobs/${batch}/start$`) });
    const r = await cli(['start', batch, '--json']);
    expect(r.code).toBe(5);
    const doc = JSON.parse(r.stdout) as { jobs: { name: string; result: string; message: string }[] };
    expect(doc.jobs).toEqual([expect.objectContaining({ name: batch, result: 'failed', message: expect.stringContaining('the start call failed') })]);
    expect(r.stderr).toMatch(new RegExp(`1 of 1 job did not start: ${batch}`));
    expect(status(batch)).toBe('STOPPED');
  });
});
