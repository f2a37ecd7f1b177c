/**
 * Changed values that are secrets are never shown (issue 17/18 follow-up): `jobs diff` (text and
 * --json) and `jobs import --dry-run --json` print the path of a changed password, never its old
 * or new value, while a changed ordinary value is still shown whole. Over HTTP, against the emulator.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { runCli } from '../helpers/cli.js';
import { importCli, importEnv, removeDir, startImportEmulator, tempDir, writeZip, type Emulator } from './helpers.js';

const OLD_SECRET = 'Workspace-Pa55word-41';
const NEW_SECRET = 'Archive-Pa55word-77';

let emu: Emulator;
let dir: string;
let zip: string;
let name: string;

/** The job with a `db_password` parameter (a secret-named field) and a description. */
function withSecret(text: string, password: string, description: string): string {
  const job = JSON.parse(text) as Record<string, unknown>;
  return JSON.stringify({ ...job, description, params: [{ name: 'db_password', value: password }] }, null, 2);
}

beforeAll(async () => {
  emu = await startImportEmulator({ seedJobs: 2 });
  dir = await tempDir('secrets-in-changes');
  const dev = emu.state.workspace('dev');
  name = [...dev.jobs.keys()].sort()[0]!;
  const text = dev.jobs.get(name)!.text;
  for (const s of dev.scripts.values()) emu.state.putScript('prod', s.text);
  emu.state.putJob('prod', withSecret(text, OLD_SECRET, 'before'), { status: 'STOPPED' });
  const scripts = [...text.matchAll(/"scriptName",\s*"value": "([^"]+)"/g)].map((m) => m[1]!);
  zip = await writeZip(`${dir}/release.zip`, new Map([
    [`jobs/${name}/${name}.job`, Buffer.from(withSecret(text, NEW_SECRET, 'after'))],
    ...[...new Set(scripts)].map((s) => [`jobs/${name}/${s}.script`, Buffer.from(dev.scripts.get(s)!.text)] as [string, Buffer]),
  ]));
});
afterAll(async () => {
  await emu.close();
  await removeDir(dir);
});

describe('secrets in changed values', () => {
  test('jobs diff: the changed password is named, its values masked; the description is shown', async () => {
    for (const args of [[zip], [zip, '--json']]) {
      const r = await runCli(['jobs', 'diff', ...args], { env: importEnv(emu, 'prod'), cwd: dir });
      expect(r.code).toBe(0);
      const out = r.stdout + r.stderr;
      expect(out).not.toContain(OLD_SECRET);
      expect(out).not.toContain(NEW_SECRET);
      expect(r.stdout).toContain('params.db_password');
      expect(r.stdout).toContain('secret: not shown');
      expect(r.stdout).toContain('before');
      expect(r.stdout).toContain('after');
    }
  });

  test('jobs import --dry-run --json: the plan masks them too, and the saved plan holds neither', async () => {
    const planFile = `${dir}/plan.json`;
    const r = await importCli(emu, [zip, '--duplicate-policy', 'overwrite', '--dry-run', '--json', '--plan-out', planFile, '--obs-path', 'obs://dataarts-staging/t/'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(new RegExp(`${OLD_SECRET}|${NEW_SECRET}`));
    expect(r.stdout).toContain('secret: not shown');
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(planFile, 'utf8')).not.toMatch(new RegExp(`${OLD_SECRET}|${NEW_SECRET}`));
  });
});
