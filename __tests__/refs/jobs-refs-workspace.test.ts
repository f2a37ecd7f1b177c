import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import { runCli } from '../helpers/cli.js';
import { inventory } from '../../src/refs/index.js';
import type { Reference } from '../../src/refs/index.js';
import { devModel } from './fixtures.js';
import { cliEnv, makeTempDir, startDevProdEmulator, type Emulator } from './helpers.js';

let emu: Emulator;
let dir: string;

beforeAll(async () => {
  emu = await startDevProdEmulator();
  dir = await makeTempDir('ws');
});

afterAll(async () => {
  await emu?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** What the archive inventory says, minus the archive entries (a workspace read has none). */
function expectedFromWorkspace(filter: (r: Reference) => boolean = () => true): Reference[] {
  return inventory(devModel())
    .filter(filter)
    .map(({ entry: _entry, ...rest }) => rest);
}

describe('jobs refs --from-workspace', () => {
  test('reads every job and the scripts its nodes run, through the API', async () => {
    const res = await runCli(['--json', 'jobs', 'refs', '--from-workspace'], { cwd: dir, env: cliEnv(emu, 'dev') });
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ references: expectedFromWorkspace() });
    const paths = emu.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths.some((p) => /GET \/v1\/[^/]+\/jobs\/daily_load$/.test(p))).toBe(true);
    expect(paths.some((p) => /GET \/v1\/[^/]+\/scripts\/load_sql$/.test(p))).toBe(true);
  });

  test('--match selects jobs; only their definitions and scripts are read', async () => {
    const before = emu.requests.length;
    const res = await runCli(['jobs', 'refs', '--from-workspace', '--match', 'stream*'], { cwd: dir, env: cliEnv(emu, 'dev') });
    expect(res.code).toBe(0);
    const rows = res.stdout.trimEnd().split('\n').slice(1).map((l) => l.split(/\s+/));
    expect(rows).toEqual(expectedFromWorkspace((r) => r.job === 'stream_in').map((r) => [r.job, r.node ?? '-', r.kind, r.name]));
    const reads = emu.requests.slice(before).map((r) => r.path).filter((p) => /\/(jobs|scripts)\/[^/]+$/.test(p));
    expect(reads.map((p) => p.replace(/^.*\/(jobs|scripts)\//, '$1/'))).toEqual(['jobs/stream_in']);
  });

  test('an empty selection is success with a warning', async () => {
    const res = await runCli(['--json', 'jobs', 'refs', '--from-workspace', '--match', 'nothing*'], { cwd: dir, env: cliEnv(emu, 'dev') });
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ references: [] });
    expect(res.stderr).toMatch(/no job matches 'nothing\*'/);
  });

  test('a script a node names but the workspace lacks is a warning, the reference still listed', async () => {
    emu.state.putJob('prod', {
      name: 'orphan',
      processType: 'BATCH',
      schedule: { type: 'EXECUTE_ONCE' },
      nodes: [{ name: 'n', type: 'DWSSQL', properties: [{ name: 'scriptName', value: 'missing_sql' }] }],
    });
    const res = await runCli(['--json', 'jobs', 'refs', '--from-workspace', '--match', 'orphan'], { cwd: dir, env: cliEnv(emu, 'prod') });
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).references).toEqual([{ kind: 'script', name: 'missing_sql', job: 'orphan', node: 'n', field: 'nodes[0].properties[0].value' }]);
    expect(res.stderr).toMatch(/script "missing_sql" is named by a node but is not in the workspace/);
  });

  test('without credentials it is a configuration error (exit 3)', async () => {
    const env = cliEnv(emu, 'dev');
    delete (env as Record<string, string | undefined>).HUAWEICLOUD_SDK_AK;
    delete (env as Record<string, string | undefined>).HUAWEICLOUD_SDK_SK;
    const res = await runCli(['jobs', 'refs', '--from-workspace'], { cwd: dir, env });
    expect(res.code).toBe(3);
    expect(res.stdout).toBe('');
  });
});
