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

describe('jobs diff: exact comparison and readable output (issue 17)', () => {
  let emu2: Emulator;
  let dir2: string;
  beforeAll(async () => {
    emu2 = await startImportEmulator({ seedJobs: 3 });
    dir2 = await tempDir('diff-exact');
  });
  afterAll(async () => {
    await emu2.close();
    await removeDir(dir2);
  });
  const run = (args: string[]) => runCli(['jobs', 'diff', ...args], { env: importEnv(emu2, 'dev'), cwd: dir2 });

  test('a 64-bit id differing only in its last digit is changed (exit 8), printed as written; a change at the end of a long script is visible; --unified; --all', async () => {
    const dev = emu2.state.workspace('dev');
    const names = [...dev.jobs.keys()].sort();
    const zip = await devArchive(emu2, dir2, names.slice(0, 2), 'exact.zip');
    const target = names[0]!;
    const job = dev.jobs.get(target)!;
    const id = /"taskWorkGroupId": (\d+)/.exec(job.text)![1]!;
    const bumped = (BigInt(id) + 3n).toString();
    // The two ids are the same double: only an exact comparison tells them apart.
    expect(Number(bumped)).toBe(Number(id));
    job.text = job.text.replace(`"taskWorkGroupId": ${id}`, `"taskWorkGroupId": ${bumped}`);
    emu2.state.changed();

    const r = await run([zip, '--json', '--exit-code']);
    expect(r.code).toBe(8);
    const doc = JSON.parse(r.stdout.replace(/(\d{16,})/g, '"$1"')) as { jobs: { name: string; state: string; changes: { path: string; from: unknown; to: unknown }[] }[] };
    expect(doc.jobs.find((j) => j.name === target)).toEqual({ name: target, state: 'changed', changes: [{ path: 'taskWorkGroupId', from: bumped, to: id }] });
    // The numbers appear in the JSON as numbers, digit for digit.
    expect(r.stdout).toContain(`"from": ${bumped}`);
    expect(r.stdout).toContain(`"to": ${id}`);
    const text = await run([zip]);
    expect(text.stdout).toContain(`  taskWorkGroupId: ${bumped} → ${id}`);

    // A long script changed only at its end: both sides shown around the change.
    const scriptName = /"scriptName",\s*"value": "([^"]+)"/.exec(dev.jobs.get(names[1]!)!.text)?.[1];
    expect(scriptName).toBeDefined();
    const script = JSON.parse(dev.scripts.get(scriptName!)!.text) as { content: string };
    const long = `${script.content}\n${'-- padding line of the seeded script\n'.repeat(20)}SELECT 1 FROM dual WHERE region = 'EU'`;
    emu2.state.putScript('dev', JSON.stringify({ ...script, content: long }, null, 2));
    const zip2 = await devArchive(emu2, dir2, names.slice(0, 2), 'exact2.zip');
    emu2.state.putScript('dev', JSON.stringify({ ...script, content: long.replace("'EU'", "'US'") }, null, 2));
    const end = await run([zip2, names[1]!]);
    const line = end.stdout.split('\n').find((l) => l.includes(`scripts[${scriptName}].content`))!;
    expect(line).toContain("'US'");
    expect(line).toContain("'EU'");
    expect(Math.max(...end.stdout.split('\n').map((l) => l.length))).toBeLessThanOrEqual(200);
    const unified = await run([zip2, names[1]!, '--unified']);
    expect(unified.stdout).toContain("    -SELECT 1 FROM dual WHERE region = 'US'");
    expect(unified.stdout).toContain("    +SELECT 1 FROM dual WHERE region = 'EU'");
    expect(unified.stdout).toMatch(/^ {4}@@ -\d+,\d+ \+\d+,\d+ @@$/m);

    // --all: the workspace's third job is not in the archive.
    const all = await run([zip2, '--all', '--json']);
    const allDoc = JSON.parse(all.stdout.replace(/(\d{16,})/g, '"$1"')) as { jobs: { name: string; state: string }[]; summary: Record<string, number> };
    expect(allDoc.jobs.filter((j) => j.state === 'only in workspace').map((j) => j.name)).toEqual(names.slice(2));
    expect(allDoc.summary.onlyInWorkspace).toBe(names.length - 2);
    expect((await run([zip2, '--all'])).stdout).toMatch(new RegExp(`^${names[2]}\\s+only in workspace$`, 'm'));
    expect((await run([zip2, names[0]!, '--all'])).code).toBe(2);
  });
});
