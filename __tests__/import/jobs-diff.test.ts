/**
 * `jobs diff ARCHIVE` against the emulator over HTTP: after one SQL statement changed in the
 * workspace, the diff names that job and that path with the old and new values; same jobs are
 * `same`, absent ones `new`; --exit-code → 8; the rewrites of an import apply (time zone).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { runCli } from '../helpers/cli.js';
import { devArchive, importEnv, removeDir, startImportEmulator, tempDir, type Emulator } from './helpers.js';

let emu: Emulator;
let dir: string;
let names: string[];

beforeAll(async () => {
  emu = await startImportEmulator({ seedJobs: 6 });
  dir = await tempDir('diff');
  names = [...emu.state.workspace('dev').jobs.keys()].sort();
});
afterAll(async () => {
  await emu.close();
  await removeDir(dir);
});

function diff(args: string[]) {
  return runCli(['jobs', 'diff', ...args], { env: importEnv(emu, 'dev'), cwd: dir });
}

describe('jobs diff', () => {
  test('one SQL statement changed in the workspace: that job and that path, old and new value; --exit-code → 8', async () => {
    const zip = await devArchive(emu, dir);
    const same = await diff([zip, '--json', '--exit-code']);
    expect(same.code).toBe(0);
    const sameDoc = JSON.parse(same.stdout) as { summary: Record<string, number> };
    expect(sameDoc.summary).toEqual({ new: 0, changed: 0, same: names.length });

    // Change the SQL of one script in the workspace (every job that runs it changes).
    const dev = emu.state.workspace('dev');
    const users = new Map<string, string[]>();
    for (const [name, job] of dev.jobs) for (const m of job.text.matchAll(/"scriptName",\s*"value": "([^"]+)"/g)) users.set(m[1]!, [...(users.get(m[1]!) ?? []), name]);
    const [script, jobs] = [...users].sort((a, b) => a[1].length - b[1].length)[0]!;
    jobs.sort();
    const json = JSON.parse(dev.scripts.get(script)!.text) as { content: string };
    const edited = json.content.replace('SELECT *', 'SELECT id, amount');
    emu.state.putScript('dev', JSON.stringify({ ...json, content: edited }, null, 2));

    const r = await diff([zip, '--json', '--exit-code']);
    expect(r.code).toBe(8);
    const doc = JSON.parse(r.stdout) as { workspace: string; jobs: { name: string; state: string; changes: { path: string; from: unknown; to: unknown }[] }[]; summary: Record<string, number> };
    expect(doc.workspace).toBe('dev');
    expect(doc.summary).toEqual({ new: 0, changed: jobs.length, same: names.length - jobs.length });
    const changed = doc.jobs.filter((j) => j.state === 'changed');
    expect(changed.map((j) => j.name)).toEqual(jobs);
    for (const j of changed) expect(j.changes).toEqual([{ path: `scripts[${script}].content`, from: edited, to: json.content }]);

    const text = await diff([zip]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^${jobs[0]}\\s+changed \\(1 path\\)$`, 'm'));
    expect(text.stdout).toContain(`  scripts[${script}].content: `);
    expect(text.stderr).toContain(`0 new, ${jobs.length} changed`);
  });

  test('a job the workspace lacks is new; NAME narrows; an unknown NAME is a usage error; the time-zone rewrite applies', async () => {
    const zip = await devArchive(emu, dir, undefined, 'tz.zip');
    emu.state.workspace('dev').jobs.delete(names[0]!);
    emu.state.changed();
    const r = await diff([zip, names[0]!, names[1]!, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { jobs: { name: string; state: string }[] };
    expect(doc.jobs.map((j) => [j.name, j.state])).toEqual([[names[0], 'new'], [names[1], 'same']]);
    expect((await diff([zip, 'no_such_job'])).code).toBe(2);
    const tz = await diff([zip, names[1]!, '--expression-time-zone', 'Pacific/Auckland', '--json']);
    const tzDoc = JSON.parse(tz.stdout) as { jobs: { changes: { path: string; to: unknown }[] }[] };
    expect(tzDoc.jobs[0]!.changes.length).toBeGreaterThan(0);
    expect(tzDoc.jobs[0]!.changes.every((c) => c.path.endsWith('expressionTimeZone') && c.to === 'Pacific/Auckland')).toBe(true);
  });
});
