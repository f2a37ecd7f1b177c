/** `archive show`: contents of a zip or directory in either layout, and the manifest check. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { runCli } from '../helpers/cli.js';
import { emulatorEnv } from '../helpers/emulator-env.js';

let emu: Emulator;
let dir: string;

beforeAll(async () => {
  emu = await startEmulator({ seedJobs: 30 });
  dir = mkdtempSync(path.join(os.tmpdir(), 'dataarts-show-'));
  for (const [layout, out] of [['zip', 'jobs.zip'], ['dir', 'tree']]) {
    const r = await runCli(['jobs', 'export', '--all', '--layout', layout, '-o', out, '--no-progress'], { env: emulatorEnv(emu), cwd: dir });
    expect(r.code).toBe(0);
  }
});
afterAll(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

interface ShowDoc {
  format: string;
  layout: string;
  jobs: { name: string; jobType: string; nodes: number; scripts: string[]; resources: string[] }[];
  looseScripts: string[];
  manifest: null | { status: string; problems: { entry: string }[] };
}

const show = (target: string, json = true) => runCli(['archive', 'show', path.join(dir, target), ...(json ? ['--json'] : [])], { cwd: dir });

describe('an export with its manifest', () => {
  test.each([['jobs.zip', 'zip'], ['tree', 'dir']])('%s is verified; every job with type, nodes, scripts and resources', async (target, format) => {
    const r = await show(target);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as ShowDoc;
    expect(doc.format).toBe(format);
    expect(doc.layout).toBe('batch');
    expect(doc.manifest?.status).toBe('verified');
    expect(doc.jobs).toHaveLength(30);
    // Against the emulator's own state: the node count and the scripts each job names.
    for (const job of doc.jobs) {
      const def = JSON.parse(readFileSync(path.join(dir, 'tree', 'jobs', job.name, `${job.name}.job`), 'utf8')) as { nodes: { properties?: { name: string; value: string }[] }[] };
      expect(job.nodes).toBe(def.nodes.length);
      const named = def.nodes.flatMap((n) => (n.properties ?? []).filter((p) => p.name === 'scriptName').map((p) => p.value));
      expect([...job.scripts].sort()).toEqual([...new Set(named)].sort());
    }
    expect(doc.jobs.some((j) => j.resources.length > 0)).toBe(true);
  });

  test('text output names the check', async () => {
    const r = await show('jobs.zip', false);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^verified: the archive and its \d+ entries match .*jobs\.zip\.manifest\.json$/m);
    expect(r.stdout).toMatch(/^JOB\s+TYPE\s+NODES\s+SCRIPTS\s+RESOURCES$/m);
  });
});

describe('one byte changed', () => {
  test('in a directory entry: exit 4 naming that entry', async () => {
    const copy = path.join(dir, 'tree2');
    rmSync(copy, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.cp(path.join(dir, 'tree'), copy, { recursive: true }));
    writeFileSync(`${copy}.manifest.json`, readFileSync(path.join(dir, 'tree.manifest.json')));
    const victim = path.join(copy, 'jobs', 'job_00007', 'job_00007.job');
    const bytes = readFileSync(victim);
    const at = bytes.indexOf('"job_00007"') + 2; // inside the name string: still valid JSON
    bytes[at] = bytes[at]! ^ 0x01;
    writeFileSync(victim, bytes);
    const r = await show('tree2');
    expect(r.code).toBe(4);
    const doc = JSON.parse(r.stdout) as ShowDoc;
    expect(doc.manifest?.status).toBe('damaged');
    expect(doc.manifest?.problems.map((p) => p.entry)).toContain('jobs/job_00007/job_00007.job');
    expect(r.stderr).toContain('jobs/job_00007/job_00007.job');
  });

  test('in a zip entry: exit 4 naming that entry', async () => {
    const bytes = readFileSync(path.join(dir, 'jobs.zip'));
    const header = bytes.indexOf('jobs/job_00012/job_00012.job');
    bytes[header + 40] = bytes[header + 40]! ^ 0x01; // in the compressed data after the local header
    writeFileSync(path.join(dir, 'bad.zip'), bytes);
    writeFileSync(path.join(dir, 'bad.zip.manifest.json'), readFileSync(path.join(dir, 'jobs.zip.manifest.json')));
    const r = await show('bad.zip', false);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('jobs/job_00012/job_00012.job');
  });
});

describe('the single-job layout without a manifest', () => {
  test('loose scripts, a script named but not carried, and a note that nothing was verified', async () => {
    const root = path.join(dir, 'single');
    for (const sub of ['jobs', 'scripts', 'resources']) mkdirSync(path.join(root, sub), { recursive: true });
    const job = { name: 'load', processType: 'BATCH', nodes: [
      { name: 'a', type: 'DLISQL', properties: [{ name: 'scriptName', value: 's1' }] },
      { name: 'b', type: 'DLISQL', properties: [{ name: 'scriptName', value: 'gone' }, { name: 'resourceName', value: 'r1' }] },
    ] };
    writeFileSync(path.join(root, 'jobs', 'load.job'), JSON.stringify(job));
    writeFileSync(path.join(root, 'scripts', 's1.script'), JSON.stringify({ name: 's1', type: 'DLISQL', content: 'select 1' }));
    writeFileSync(path.join(root, 'scripts', 'extra.script'), JSON.stringify({ name: 'extra', type: 'DLISQL', content: 'select 2' }));
    writeFileSync(path.join(root, 'resources', 'r1.resource'), JSON.stringify({ name: 'r1', type: 'jar', location: 'obs://b/r1.jar' }));
    const r = await show('single');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as ShowDoc & { jobs: { missingScripts: string[] }[] };
    expect(doc.layout).toBe('single');
    expect(doc.manifest).toBeNull();
    expect(doc.jobs).toEqual([{ name: 'load', jobType: 'BATCH', nodes: 2, scripts: ['s1'], resources: ['r1'], missingScripts: ['gone'], missingResources: [] }]);
    expect(doc.looseScripts).toEqual(['extra']);
    expect(r.stderr).toContain('not verified');
  });

  test('a missing archive is exit 7', async () => {
    const r = await show('nope.zip');
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('nope.zip: no such file or directory');
  });
});
