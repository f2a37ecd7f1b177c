/**
 * The secrets scanner as pure functions (issue 20 item 1): what is a finding and what is not,
 * the paths findings name, one finding per secret, and fingerprints that never contain the value
 * and stay stable across layouts, job folders and moved lines.
 */
import { describe, expect, test } from '@jest/globals';
import { findInText, isPlaceholder } from '../../src/secrets/detect.js';
import { SecretScanner, scanEntries } from '../../src/secrets/scan.js';
import { findingLines, subjectOf } from '../../src/secrets/policy.js';
import { seedWorkspace } from '../../src/emulator/seed.js';
import { EmulatorState } from '../../src/emulator/state.js';
import { devArchiveEntries } from '../refs/fixtures.js';

const jobFile = (json: Record<string, unknown>) => Buffer.from(JSON.stringify({ processType: 'BATCH', ...json }, null, 2));
const scriptFile = (name: string, content: string) => Buffer.from(JSON.stringify({ name, type: 'DWSSQL', content }));

const POSITIVE: [string, string, string][] = [
    ['jdbc:mysql://etl:Pa55-word@db:3306/sales', 'url-password', 'Pa55-word'],
    ['https://user:hunter22@example.com/path', 'url-password', 'hunter22'],
    ['jdbc:oracle:thin:scott/tiger9@db:1521:orcl', 'url-password', 'tiger9'],
    ['export PGPASSWORD=hunter22 && psql', 'password-assignment', 'hunter22'],
    ['mysql --password=hunter22 -h db', 'password-assignment', 'hunter22'],
    ["conn = connect(host='db', password='hunter22')", 'password-assignment', 'hunter22'],
    ['{"client_secret": "abcDEF123"}', 'password-assignment', 'abcDEF123'],
    ['https://x/api?user=a&token=tok123abc&x=1', 'password-assignment', 'tok123abc'],
    ["CREATE USER loader IDENTIFIED BY 'Hunter22';", 'identified-by', 'Hunter22'],
    ['alter user scott identified by tiger9;', 'identified-by', 'tiger9'],
    ["CREATE USER u WITH PASSWORD 'Hunter22';", 'identified-by', 'Hunter22'],
    ['curl -H "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc.def"', 'bearer-token', 'eyJhbGciOiJIUzI1NiJ9.abc.def'],
    ['--conf spark.hadoop.fs.obs.secret.key=Abc123Xyz --conf spark.hadoop.fs.obs.access.key=AK', 'password-assignment', 'Abc123Xyz'],
    ['sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="Kafka9pw";', 'password-assignment', 'Kafka9pw'],
];

describe('text detectors', () => {
  test.each(POSITIVE)('%s → %s', (text, kind, value) => {
    expect(findInText(text)).toEqual([{ kind, value }]);
  });

  test.each([
    'jdbc:mysql://etl:${db_password}@db:3306/sales',
    'jdbc:mysql://db:3306/sales?useSSL=true',
    'http://db:8080/path@v2',
    'password=${password}',
    'password=#{Job.getNodeOutput("x")}',
    'export PGPASSWORD=$DB_PASSWORD',
    'PGPASSWORD="$(cat /run/secrets/pw)" psql',
    'password=',
    "password=''",
    'password = ?',
    'WHERE u.password = p.password',
    "password='******'",
    'token_type=bearer',
    "CREATE USER loader IDENTIFIED BY '${loader_password}';",
    'Authorization: Bearer ${api_token}',
    'dt=${yesterday}',
    'obs://dataarts-staging/logs/',
    'task=abc sort_key=id primary_key=id',
    '-- reset the password yourself',
  ])('no finding: %s', (text) => {
    expect(findInText(text)).toEqual([]);
  });

  test('the whole-file pre-check lets every one of them through, in a job parameter and in a script line', () => {
    for (const [text, kind] of POSITIVE) {
      const inJob = scanEntries([{ name: 'jobs/a/a.job', data: jobFile({ name: 'a', params: [{ name: 'p', value: text, type: 'variable' }] }) }]);
      const inScript = scanEntries([{ name: 'scripts/s.script', data: scriptFile('s', `-- first\n${text}\n`) }]);
      expect([inJob.map((f) => f.kind), inScript.map((f) => [f.kind, f.path])]).toEqual([[kind], [[kind, 'content line 2']]]);
    }
  });

  test('placeholders', () => {
    for (const p of ['${x}', '#{Job.x()}', '$X', '$(cmd)', '?', ':pw', '%s', '<password>', '***', '{{pw}}', "''", ' ']) expect(isPlaceholder(p)).toBe(true);
    for (const v of ['x${y}', 'hunter2', 'p@ss', '$5ecret']) expect(isPlaceholder(v)).toBe(false);
  });
});

describe('the scanner over archive entries', () => {
  test('sensitive properties with a value, named secrets, masked parameters and AK/SK pairs, each at its path', () => {
    const findings = scanEntries([
      {
        name: 'jobs/a/a.job',
        data: jobFile({
          name: 'a',
          nodes: [{ name: 'n1', properties: [
            { name: 'secretValue', value: 'v4lue-One', value_is_sensitive: true },
            { name: 'other', value: 'v4lue-Two', value_is_sensitive: 'true' },
            { name: 'empty', value: '', value_is_sensitive: true },
            { name: 'ref', value: '${pw}', value_is_sensitive: true },
            { name: 'db_password', value: 'plainPw1' },
            { name: 'url', value: 'jdbc:mysql://u:urlPw9@h/db' },
          ] }],
          params: [
            { name: 'ak', value: 'AKIDEXAMPLE123456789', type: 'variable' },
            { name: 'sk', value: 'abcdEFGH1234abcdEFGH1234abcdEFGH1234abcd', type: 'variable' },
            { name: 'hidden', value: 'maskedOne', type: 'variable' },
          ],
          maskedParams: ['hidden'],
        }),
      },
    ]);
    expect(findings.map((f) => [f.path, f.kind])).toEqual([
      ['nodes[n1].properties.db_password', 'password-assignment'],
      ['nodes[n1].properties.other', 'sensitive-property'],
      ['nodes[n1].properties.secretValue', 'sensitive-property'],
      ['nodes[n1].properties.url', 'url-password'],
      ['params[hidden].value', 'sensitive-property'],
      ['params[sk].value', 'huawei-ak-sk'],
    ]);
    for (const f of findings) expect(f.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  test('a 40-character key alone, or hex digests, are not AK/SK findings', () => {
    const findings = scanEntries([
      { name: 'jobs/a/a.job', data: jobFile({ name: 'a', params: [{ name: 'x', value: 'abcdEFGH1234abcdEFGH1234abcdEFGH1234abcd' }, { name: 'commit', value: 'da39a3ee5e6b4b0d3255bfef95601890afd80709' }] }) },
    ]);
    expect(findings).toEqual([]);
  });

  test('script lines are named by line; a private key spanning lines is one finding at its first line', () => {
    const key = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\nabc\n-----END RSA PRIVATE KEY-----';
    const findings = scanEntries([{ name: 'scripts/s.script', data: scriptFile('s', `-- x\nSELECT 1;\nCREATE USER u IDENTIFIED BY 'Hunter22';\ncat > k <<EOF\n${key}\nEOF\n`) }]);
    expect(findings.map((f) => [f.file, f.path, f.kind])).toEqual([
      ['scripts/s.script', 'content line 3', 'identified-by'],
      ['scripts/s.script', 'content line 5', 'private-key'],
    ]);
  });

  test('a finding never holds its value; the fingerprint is not a prefix or part of it', () => {
    const value = 'VeryDistinctive-Secret-42';
    const [f] = scanEntries([{ name: 'jobs/a/a.job', data: jobFile({ name: 'a', params: [{ name: 'password', value }] }) }]);
    expect(JSON.stringify(f)).not.toContain(value);
    expect(JSON.stringify(f)).not.toContain(value.slice(0, 6));
    expect(value).not.toContain(f!.fingerprint.slice(0, 4));
  });

  test('fingerprints: same across layouts, job folders and moved lines; different for another value, path or job', () => {
    const script = (content: string) => scriptFile('s', content);
    const base = scanEntries([{ name: 'jobs/j1/s.script', data: script("IDENTIFIED BY 'Hunter22'") }])[0]!.fingerprint;
    expect(scanEntries([{ name: 'scripts/s.script', data: script("IDENTIFIED BY 'Hunter22'") }])[0]!.fingerprint).toBe(base);
    expect(scanEntries([{ name: 'jobs/j2/s.script', data: script("-- moved down\n\nIDENTIFIED BY 'Hunter22'") }])[0]!.fingerprint).toBe(base);
    expect(scanEntries([{ name: 'jobs/j1/s.script', data: script("IDENTIFIED BY 'Hunter23'") }])[0]!.fingerprint).not.toBe(base);
    const job = (name: string, param: string) => scanEntries([{ name: `jobs/${name}/${name}.job`, data: jobFile({ name, params: [{ name: param, value: 'samePw1' }] }) }])[0]!.fingerprint;
    expect(job('a', 'password')).not.toBe(job('b', 'password'));
    expect(job('a', 'password')).not.toBe(job('a', 'db_password'));
  });

  test('a script carried by several job folders is scanned once; a differing copy is scanned too', () => {
    const scanner = new SecretScanner();
    const data = scriptFile('s', "IDENTIFIED BY 'Hunter22'");
    scanner.add('jobs/a/s.script', data);
    scanner.add('jobs/b/s.script', data);
    expect(scanner.findings().map((f) => f.file)).toEqual(['jobs/a/s.script']);
    scanner.add('jobs/c/s.script', scriptFile('s', "IDENTIFIED BY 'Other99'"));
    expect(scanner.findings()).toHaveLength(2);
  });

  test('a file that is not JSON is read as text lines; other files are not scanned', () => {
    expect(scanEntries([{ name: 'jobs/a/a.job', data: Buffer.from('not json\npassword=hunter22\n') }]).map((f) => f.path)).toEqual(['line 2']);
    expect(scanEntries([{ name: 'README.txt', data: Buffer.from('password=hunter22') }])).toEqual([]);
  });

  test("the emulator's seeded workspace (300 jobs, their scripts and resources) holds no finding", () => {
    const state = new EmulatorState('tester');
    seedWorkspace(state, 'ws', 300, 7);
    const ws = state.workspace('ws');
    const entries = [
      ...[...ws.jobs.values()].map((j) => ({ name: `jobs/${j.name}/${j.name}.job`, data: Buffer.from(j.text) })),
      ...[...ws.scripts.values()].map((s) => ({ name: `scripts/${s.name}.script`, data: Buffer.from(s.text) })),
      ...[...ws.resources.values()].map((r) => ({ name: `resources/${r.name}.resource`, data: Buffer.from(r.text) })),
    ];
    expect(entries.length).toBeGreaterThan(400);
    expect(scanEntries(entries)).toEqual([]);
  });
});

test('the test fixtures (the refs archive: DWS, DLI, CDM, MRS, DIS, Kafka nodes) hold no finding', () => {
  const entries = devArchiveEntries();
  expect(entries.length).toBeGreaterThan(3);
  expect(scanEntries(entries)).toEqual([]);
});

describe('the grouped warning', () => {
  test('at most 8 lines for the findings whatever their number, each at most 200 characters', () => {
    const many = Array.from({ length: 500 }, (_, i) => ({ file: `jobs/j${i}/j${i}.job`, path: `params[p${'x'.repeat(300)}].value`, kind: 'password-assignment' as const, fingerprint: '0123456789abcdef' }));
    const lines = findingLines(many, 'all: dataarts archive show /tmp/a.zip --secrets');
    expect(lines).toHaveLength(8);
    expect(lines[7]).toContain('493 more in 493 files');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(200);
  });

  test('names the job, or the script and the job folder carrying it', () => {
    expect(subjectOf('jobs/load/load.job')).toBe('job load');
    expect(subjectOf('jobs/load/s1.script')).toBe('script s1 (job load)');
    expect(subjectOf('scripts/s1.script')).toBe('script s1');
  });
});
