/**
 * Messages on stderr: colour decided from stderr (not stdout) with FORCE_COLOR / NO_COLOR /
 * --no-color, an empty list said on stderr, "1 job", and a TLS handshake with a plain-HTTP server
 * reported at once as a configuration error.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { colorLevel } from '../../src/output/ui.js';
import { count } from '../../src/output/plural.js';
import { runCli } from '../helpers/cli.js';
import { emulatorEnv } from '../helpers/emulator-env.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ seedJobs: 3, workspaces: ['empty'] });
});
afterAll(async () => {
  await emu.close();
});

const YELLOW = '\u001b[33m';
const RED = '\u001b[31m';
const noMatch = ['jobs', 'list', '--match', 'zzz*', '--no-progress'];

describe('colour follows stderr', () => {
  test('stderr a terminal, stdout a pipe (--json | jq): the warning is yellow', async () => {
    const r = await runCli([...noMatch, '--json'], { env: emulatorEnv(emu), stderrIsTTY: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${YELLOW}Warning:`);
    expect(JSON.parse(r.stdout)).toMatchObject({ total: 0 });
  });

  test('stderr not a terminal: plain', async () => {
    const r = await runCli(noMatch, { env: emulatorEnv(emu) });
    expect(r.stderr).toMatch(/^Warning: no job matches 'zzz\*' \(3 jobs in the workspace\)/m);
    expect(r.stderr).not.toContain('\u001b[');
  });

  test('FORCE_COLOR colours a non-terminal stderr; NO_COLOR and --no-color turn it off', async () => {
    expect((await runCli(noMatch, { env: emulatorEnv(emu, { FORCE_COLOR: '1' }) })).stderr).toContain(`${YELLOW}Warning:`);
    expect((await runCli(noMatch, { env: emulatorEnv(emu, { NO_COLOR: '1' }), stderrIsTTY: true })).stderr).not.toContain('\u001b[');
    expect((await runCli([...noMatch, '--no-color'], { env: emulatorEnv(emu, { FORCE_COLOR: '1' }) })).stderr).not.toContain('\u001b[');
    expect((await runCli(noMatch, { env: emulatorEnv(emu, { FORCE_COLOR: '0' }), stderrIsTTY: true })).stderr).not.toContain('\u001b[');
  });

  test('the final Error: line is red on a colour stderr', async () => {
    const r = await runCli(['jobs', 'export', 'nosuch', '-o', '/tmp/never.zip'], { env: emulatorEnv(emu, { FORCE_COLOR: '1' }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${RED}Error:`);
  });

  test.each([
    [{ tty: true, env: {} }, 1],
    [{ tty: true, env: { TERM: 'xterm-256color' } }, 2],
    [{ tty: true, env: { COLORTERM: 'truecolor' } }, 3],
    [{ tty: true, env: { TERM: 'dumb' } }, 0],
    [{ tty: false, env: {} }, 0],
    [{ tty: false, env: { FORCE_COLOR: '3' } }, 3],
    [{ tty: true, env: { NO_COLOR: '1', FORCE_COLOR: '2' } }, 2],
    [{ tty: true, env: { NO_COLOR: '' } }, 1],
  ])('colorLevel %j → %d', ({ tty, env }, level) => {
    expect(colorLevel({ stderrIsTTY: tty }, env as Record<string, string>, true)).toBe(level);
  });
});

describe('words', () => {
  test('an empty workspace says so on stderr; stdout stays empty', async () => {
    const r = await runCli(['jobs', 'list', '--workspace', 'empty'], { env: emulatorEnv(emu) });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('no jobs in workspace empty');
  });

  test('singular and plural', () => {
    expect([count(0, 'job'), count(1, 'job'), count(2, 'job'), count(1, 'entry', 'entries')]).toEqual(['0 jobs', '1 job', '2 jobs', '1 entry']);
  });
});

describe('an https endpoint that speaks plain HTTP', () => {
  test('exit 3 "does not speak HTTPS" after one attempt, not five', async () => {
    const url = emu.url.replace(/^http:/, 'https:');
    const before = emu.requests.length;
    const started = Date.now();
    const r = await runCli(['jobs', 'list', '--verbose'], { env: emulatorEnv(emu, { DATAARTS_ENDPOINT: url, DATAARTS_RETRY_BASE_MS: '200' }) });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`the endpoint ${url} does not speak HTTPS`);
    expect(r.stderr).not.toMatch(/attempt [2-5]\/5|retrying/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(emu.requests.length).toBe(before); // a TLS hello is not an HTTP request
  });
});
