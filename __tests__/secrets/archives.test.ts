/**
 * Issue 20 end to end against the emulator (`seedSecrets`: four jobs each holding one planted
 * secret, one holding only references and empty sensitive values, beside 12 seeded jobs):
 * every archive the tool writes is scanned; findings are reported, never leaked; the gates.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { CLEAN_REFERENCE_JOB, PLANTED_SECRETS, SECRET_JOBS } from '../../src/emulator/seed-secrets.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { emulatorEnv } from '../helpers/emulator-env.js';
import { readZipEntries } from '../../src/archive/zip-read.js';
import { EXPORT_BATCH_LIMITS } from '../../src/archive/limits.js';

let emu: Emulator;
let root: string;
/** Every stdout and stderr of every run, searched for the planted values at the end. */
const outputs: { where: string; text: string }[] = [];
let firstArchive = '';

const PLANTED = Object.entries(PLANTED_SECRETS).filter(([k]) => k !== 'accessKey').map(([, v]) => v);
const EXPECTED = [
  ['jobs/secrets_aksk_param/secrets_aksk_param.job', 'params[obs_sk].value', 'huawei-ak-sk'],
  ['jobs/secrets_jdbc_url/secrets_jdbc_url.job', 'nodes[cdm_1].properties.url', 'url-password'],
  ['jobs/secrets_sensitive_property/secrets_sensitive_property.job', 'nodes[rest_1].properties.password', 'sensitive-property'],
  ['jobs/secrets_sql_script/secrets_create_user.script', 'content line 2', 'identified-by'],
];

async function cli(args: string[], cwd = root, env: Record<string, string> = {}): Promise<CliResult> {
  const r = await runCli(args, { env: emulatorEnv(emu, env), cwd });
  outputs.push({ where: `stdout of ${args.join(' ')}`, text: r.stdout }, { where: `stderr of ${args.join(' ')}`, text: r.stderr });
  return r;
}

async function dir(label: string): Promise<string> {
  return fs.mkdtemp(path.join(root, `${label}-`));
}

/** The lines of the grouped warning: from its `Warning:` line to the next line that is not indented. */
function warningBlock(stderr: string): string[] {
  const lines = stderr.split('\n');
  const start = lines.findIndex((l) => /^Warning: \d+ secrets? in/.test(l));
  if (start < 0) return [];
  let end = start + 1;
  while (end < lines.length && lines[end]!.startsWith('  ')) end++;
  return lines.slice(start, end);
}

beforeAll(async () => {
  emu = await startEmulator({ port: 0, seedJobs: 12, seedSecrets: true, rateLimits: false });
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'dataarts-secrets-scan-'));
});

afterAll(async () => {
  await emu?.close();
  await fs.rm(root, { recursive: true, force: true });
});

describe('jobs export: findings reported, never leaked', () => {
  test('exit 0, one grouped warning naming each job and path; --json lists the 4 findings', async () => {
    const out = await dir('export');
    firstArchive = path.join(out, 'all.zip');
    const r = await cli(['jobs', 'export', '--all', '-o', firstArchive]);
    expect(r.code).toBe(0);
    const block = warningBlock(r.stderr);
    expect(block[0]).toMatch(/^Warning: 4 secrets in .*all\.zip \(values not shown\):$/);
    expect(block.length).toBeLessThanOrEqual(10);
    for (const [file, where] of EXPECTED) {
      const job = file!.split('/')[1]!;
      expect(block.some((l) => l.includes(`job ${job}`) && l.includes(where!))).toBe(true);
    }
    expect(r.stderr.match(/Warning:/g)).toHaveLength(1);

    const j = await cli(['jobs', 'export', '--all', '-o', path.join(out, 'all-json.zip'), '--json']);
    expect(j.code).toBe(0);
    const doc = JSON.parse(j.stdout) as { secrets: Record<string, string>[]; secretsAccepted: number };
    expect(doc.secrets.map((s) => [s.file, s.path, s.kind])).toEqual(EXPECTED);
    for (const s of doc.secrets) expect(Object.keys(s).sort()).toEqual(['file', 'fingerprint', 'kind', 'path']);
    expect(doc.secretsAccepted).toBe(0);

    // --verbose (request log) and --layout dir say no more than that.
    const v = await cli(['--verbose', 'jobs', 'export', '--all', '--layout', 'dir', '-o', path.join(out, 'tree')]);
    expect(v.code).toBe(0);
    expect(warningBlock(v.stderr)).toHaveLength(block.length);
    // archive show --secrets reads a directory too, with the same fingerprints as the zip.
    const showDir = await cli(['archive', 'show', path.join(out, 'tree'), '--secrets', '--json']);
    expect((JSON.parse(showDir.stdout) as { secrets: { fingerprint: string }[] }).secrets.map((s) => s.fingerprint)).toEqual(doc.secrets.map((s) => s.fingerprint));
  });

  test(`jobs with \${…} references and empty sensitive values (${CLEAN_REFERENCE_JOB}) and the seeded jobs give no finding`, async () => {
    const out = await dir('clean');
    const r = await cli(['jobs', 'export', '--match', 'job_*', CLEAN_REFERENCE_JOB, '-o', path.join(out, 'clean.zip'), '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { jobs: number; secrets: unknown[] }).secrets).toEqual([]);
    expect(r.stderr).not.toMatch(/secret/i);
  });
});

test('many findings: the warning stays within 10 lines, --verbose names every one', async () => {
  emu.state.addWorkspace('many');
  for (let i = 0; i < 25; i++) {
    emu.state.putJob('many', { name: `many_${i}`, processType: 'BATCH', nodes: [], params: [{ name: 'db_password', value: `ManyPw-${i}-Zq8`, type: 'variable' }] });
  }
  const out = await dir('many');
  const r = await cli(['jobs', 'export', '--all', '-o', path.join(out, 'many.zip')], root, { DATAARTS_WORKSPACE: 'many' });
  expect(r.code).toBe(0);
  const block = warningBlock(r.stderr);
  expect(block[0]).toMatch(/^Warning: 25 secrets in /);
  expect(block.length).toBeLessThanOrEqual(10);
  expect(block).toContain(`  … and 18 more in 18 files (all: dataarts archive show ${path.join(out, 'many.zip')} --secrets)`);
  const v = await cli(['--verbose', 'jobs', 'export', '--all', '-o', path.join(out, 'many-v.zip')], root, { DATAARTS_WORKSPACE: 'many' });
  for (let i = 0; i < 25; i++) expect(v.stderr).toContain(`job many_${i}: params[db_password].value  password-assignment`);
  expect(v.stderr).not.toContain('ManyPw-');
});

describe('gates', () => {
  test('--fail-on-secrets: exit 4, nothing written (zip, dir layout, default name), the findings named', async () => {
    for (const layout of ['zip', 'dir']) {
      const out = await dir(`refused-${layout}`);
      const target = path.join(out, layout === 'zip' ? 'all.zip' : 'tree');
      const r = await cli(['jobs', 'export', '--all', '--layout', layout, '-o', target, '--fail-on-secrets']);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/refused by --fail-on-secrets: 4 secrets found; nothing was written/);
      expect(r.stderr).toContain('job secrets_jdbc_url: nodes[cdm_1].properties.url');
      expect(await fs.readdir(out)).toEqual([]);
    }
    const cwd = await dir('refused-default');
    const d = await cli(['jobs', 'export', SECRET_JOBS[0], '--fail-on-secrets', '--json'], cwd);
    expect(d.code).toBe(4);
    const err = JSON.parse(d.stdout) as { error: { exitCode: number; details: { refusals: { subject: string; reason: string }[] } } };
    expect(err.error.exitCode).toBe(4);
    expect(err.error.details.refusals).toEqual([{ subject: 'jobs/secrets_aksk_param/secrets_aksk_param.job', reason: expect.stringMatching(/^huawei-ak-sk at params\[obs_sk\]\.value \(fingerprint [0-9a-f]{16}\)$/) }]);
    expect(await fs.readdir(cwd)).toEqual([]);
    // The refusal's --json document is itself a baseline: after review, the same run goes through.
    await fs.writeFile(path.join(root, 'refusal.json'), d.stdout);
    const accepted = await cli(['jobs', 'export', SECRET_JOBS[0], '--fail-on-secrets', '--secrets-baseline', path.join(root, 'refusal.json'), '-o', path.join(cwd, 'ok.zip')], cwd);
    expect(accepted.code).toBe(0);
    expect(accepted.stderr).not.toMatch(/secret/i);
  });

  test('--secrets-baseline (what archive show --secrets --json prints): no warning, exit 0, also with --fail-on-secrets', async () => {
    const out = await dir('baseline');
    expect((await cli(['jobs', 'export', '--all', '-o', path.join(out, 'first.zip')])).code).toBe(0);
    const show = await cli(['archive', 'show', path.join(out, 'first.zip'), '--secrets', '--json']);
    expect(show.code).toBe(0);
    const baseline = path.join(out, 'baseline.json');
    await fs.writeFile(baseline, show.stdout);
    expect((JSON.parse(show.stdout) as { secrets: unknown[] }).secrets).toHaveLength(4);

    const r = await cli(['jobs', 'export', '--all', '-o', path.join(out, 'second.zip'), '--fail-on-secrets', '--secrets-baseline', baseline, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/secret/i);
    const doc = JSON.parse(r.stdout) as { secrets: unknown[]; secretsAccepted: number };
    expect(doc.secrets).toEqual([]);
    expect(doc.secretsAccepted).toBe(4);

    // A new secret is still caught: the baseline accepts fingerprints, not jobs.
    const job = JSON.parse(emu.state.workspace('default').jobs.get('secrets_jdbc_url')!.text) as { params?: unknown[] };
    emu.state.putJob('default', { ...job, params: [{ name: 'api_token', value: 'NewlyAddedTok3n', type: 'variable' }] });
    try {
      const again = await cli(['jobs', 'export', 'secrets_jdbc_url', '-o', path.join(out, 'third.zip'), '--fail-on-secrets', '--secrets-baseline', baseline]);
      expect(again.code).toBe(4);
      expect(again.stderr).toContain('params[api_token].value');
      expect(again.stderr).not.toContain('NewlyAddedTok3n');
      expect(again.stderr).not.toContain('properties.url');
    } finally {
      emu.state.putJob('default', job);
    }
  });

  test('a bad baseline is exit 2 (not a baseline) or 7 (unreadable), before any request', async () => {
    const out = await dir('bad-baseline');
    await fs.writeFile(path.join(out, 'b.json'), '{"secrets": [{"file": "x"}]}');
    const before = emu.requests.length;
    const bad = await cli(['jobs', 'export', '--all', '-o', path.join(out, 'x.zip'), '--secrets-baseline', path.join(out, 'b.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not a secrets baseline: item 1 has no fingerprint');
    const missing = await cli(['jobs', 'export', '--all', '-o', path.join(out, 'x.zip'), '--secrets-baseline', path.join(out, 'none.json')]);
    expect(missing.code).toBe(7);
    expect(emu.requests.length).toBe(before);
    expect(await fs.readdir(out)).toEqual(['b.json']);
  });
});

describe('backups, restores and rollback archives', () => {
  test('export-workspace --state-file warns and records the count, never refuses; restore scans and gates', async () => {
    const out = await dir('backup');
    const state = path.join(out, 'state.json');
    const refused = await cli(['jobs', 'export-workspace', '--state-file', state, '-o', `${out}/`, '--fail-on-secrets']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('a backup is never refused');

    const r = await cli(['jobs', 'export-workspace', '--state-file', state, '-o', `${out}/`, '--quiet']);
    expect(r.code).toBe(0);
    expect(warningBlock(r.stderr)[0]).toMatch(/^Warning: 4 secrets in /);
    const recorded = JSON.parse(await fs.readFile(state, 'utf8')) as { runs: { secrets?: number }[] };
    expect(recorded.runs.at(-1)!.secrets).toBe(4);
    // A night with nothing changed writes no archive; its --json still carries the (empty) findings.
    const quiet = await cli(['jobs', 'export-workspace', '--state-file', state, '-o', `${out}/`, '--json']);
    expect(quiet.code).toBe(0);
    expect(JSON.parse(quiet.stdout)).toMatchObject({ path: null, secrets: [], secretsAccepted: 0 });

    const restored = await cli(['backups', 'restore', '--state-file', state, '-o', path.join(out, 'restore.zip'), '--json']);
    expect(restored.code).toBe(0);
    expect((JSON.parse(restored.stdout) as { secrets: unknown[] }).secrets).toHaveLength(4);
    const gated = await cli(['backups', 'restore', '--state-file', state, '-o', path.join(out, 'restore2.zip'), '--fail-on-secrets']);
    expect(gated.code).toBe(4);
    expect(await fs.stat(path.join(out, 'restore2.zip')).catch(() => undefined)).toBeUndefined();
    expect((await fs.readdir(out)).filter((n) => n.startsWith('restore2') || n.includes('.tmp') || n.startsWith('.dataarts'))).toEqual([]);
  });

  test("an overwrite's rollback archive is scanned: a warning and rollbackSecrets in --json, the release goes on", async () => {
    const out = await dir('rollback');
    const archive = path.join(out, 'release.zip');
    expect((await cli(['jobs', 'export', 'secrets_jdbc_url', CLEAN_REFERENCE_JOB, '-o', archive])).code).toBe(0);
    // The workspace's version differs from the archive's, so the import replaces it and saves it first.
    const job = JSON.parse(emu.state.workspace('default').jobs.get('secrets_jdbc_url')!.text) as Record<string, unknown>;
    emu.state.putJob('default', { ...job, description: 'changed since the export' });
    const rollback = path.join(out, 'rollback.zip');
    const r = await cli(['jobs', 'import', archive, '--obs-path', 'obs://dataarts-staging/secrets-test/', '--duplicate-policy', 'overwrite', '--rollback', rollback, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { rollback: string; rollbackSecrets: Record<string, string>[] };
    expect(doc.rollback).toBe(rollback);
    expect(doc.rollbackSecrets.map((s) => [s.file, s.path, s.kind])).toEqual([EXPECTED[1]]);
    expect(warningBlock(r.stderr)[0]).toContain('1 secret in');
  });
});

test('no planted value in any stdout, stderr, manifest or state file the runs wrote', async () => {
  const texts = [...outputs];
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.json')) texts.push({ where: p, text: await fs.readFile(p, 'utf8') });
    }
  };
  await walk(root);
  expect(texts.filter((t) => t.where.endsWith('manifest.json')).length).toBeGreaterThan(3);
  expect(texts.some((t) => t.where.endsWith('state.json'))).toBe(true);
  const leaks = texts.flatMap((t) => PLANTED.filter((v) => t.text.includes(v)).map((v) => `${v} in ${t.where}`));
  expect(leaks).toEqual([]);
  // The search can fail: the archive itself holds every value.
  const archive = (await readZipEntries(firstArchive, EXPORT_BATCH_LIMITS)).map((e) => e.data.toString('utf8')).join('\n');
  for (const v of PLANTED) expect(archive).toContain(v);
});
