/**
 * Secrets sweep (issue 5 item 4): no secret key, security token, IAM password, IAM token or request
 * signature ever reaches stdout, stderr (plain, --verbose, --json), error messages, archives,
 * manifests, state files, staged OBS objects or the emulator's request log.
 *
 * Every secret is distinctive, and a small recording proxy sits between the CLI and the emulator so
 * the values that actually travelled (signatures, `X-Auth-Token`s, `X-Subject-Token`s) are known
 * and searched for too, besides the generic `Signature=<hex>` / `OBS AK:sig` shapes. Each command's
 * output is collected, every file the runs wrote is read back (zips unpacked), and one sweep at the
 * end reports every hit with where it was found.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EMULATOR_DEFAULTS, startEmulator, TEST_RATE_SCALE, type Emulator } from './helpers/emulator.js';
import { readZipEntries } from '../src/archive/zip-read.js';
import { IMPORT_LIMITS } from '../src/archive/limits.js';
import { runCli, type CliResult } from './helpers/cli.js';

const SK = 'SWEEPsecretKeyQ7vX2mLp9RtZ4wYb8NcKd3Hs6Jf';
const PASSWORD = 'SWEEPpassWord-k3Tz8Qm2';
const SECURITY_TOKEN = 'SWEEPsecurityTokenGg5Hh7Jj9Kk1Ll3Mm5Nn7Pp9';
const STATIC_TOKEN = 'SWEEPstaticIamTokenVv2Ww4Xx6Yy8Zz0';
const WRONG_SK = 'SWEEPwrongSecretKeyAa1Bb2Cc3Dd4Ee5';
const WRONG_PASSWORD = 'SWEEPwrongPassFf6Gg7';

/** Values seen on the wire, filled by the recording proxies. */
const wireSecrets = new Set<string>();
/** Every text a command printed, with where it came from. */
const outputs: { where: string; text: string }[] = [];

let emu: Emulator;
let proxy: RecordingProxy;
let root: string;

// ---------------------------------------------------------------------------------------------
// The recording proxy: forwards verbatim (Host included, so signatures still verify) and keeps
// every credential value that crossed it.

interface RecordingProxy {
  url: string;
  close(): Promise<void>;
}

function recordAuthorization(value: string): void {
  wireSecrets.add(value);
  const sdk = /Signature=([0-9a-fA-F]+)/.exec(value);
  if (sdk) wireSecrets.add(sdk[1]!);
  const obs = /^OBS [^:]+:(.+)$/.exec(value);
  if (obs) wireSecrets.add(obs[1]!);
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(',') : v;
}

async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const agent = new http.Agent({ keepAlive: true });
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const auth = headerValue(req.headers['authorization']);
    if (auth) recordAuthorization(auth);
    for (const name of ['x-auth-token', 'x-security-token', 'x-obs-security-token']) {
      const v = headerValue(req.headers[name]);
      if (v) wireSecrets.add(v);
    }
    const up = http.request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers, agent },
      (ur) => {
        const subject = headerValue(ur.headers['x-subject-token']);
        if (subject) wireSecrets.add(subject);
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      },
    );
    // An injected connection reset upstream becomes a reset here too.
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Environments and running commands.

function baseEnv(endpoint: string, projectId: string, workspace = 'dev'): Record<string, string> {
  return {
    DATAARTS_ENDPOINT: endpoint,
    DATAARTS_IAM_ENDPOINT: endpoint,
    DATAARTS_OBS_ENDPOINT: endpoint,
    DATAARTS_PROJECT_ID: projectId,
    DATAARTS_WORKSPACE: workspace,
    DATAARTS_RETRY_BASE_MS: '2',
    DATAARTS_RETRY_MAX_MS: '20',
    DATAARTS_RETRY_THROTTLE_MS: '10',
    DATAARTS_RATE_SCALE: String(TEST_RATE_SCALE),
  };
}
/** Temporary AK/SK with a security token: SK signs, the token travels in X-Security-Token. */
const akskEnv = (workspace?: string) => ({
  ...baseEnv(proxy.url, emu.credentials.projectId, workspace),
  HUAWEICLOUD_SDK_AK: emu.credentials.ak,
  HUAWEICLOUD_SDK_SK: SK,
  HUAWEICLOUD_SDK_SECURITY_TOKEN: SECURITY_TOKEN,
});
const userEnv = (workspace?: string) => ({
  ...baseEnv(proxy.url, emu.credentials.projectId, workspace),
  DATAARTS_USERNAME: emu.credentials.username,
  DATAARTS_PASSWORD: PASSWORD,
  DATAARTS_DOMAIN: emu.credentials.domain,
});
const tokenEnv = (workspace?: string) => ({ ...baseEnv(proxy.url, emu.credentials.projectId, workspace), DATAARTS_TOKEN: STATIC_TOKEN });

async function cli(label: string, argv: string[], env: Record<string, string>): Promise<CliResult> {
  const r = await runCli(argv, { env, cwd: root });
  outputs.push({ where: `${label} [${argv.join(' ')}] stdout`, text: r.stdout });
  outputs.push({ where: `${label} [${argv.join(' ')}] stderr`, text: r.stderr });
  return r;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The built CLI in a child process: a fresh process has an empty registry of secret values, so a
 * printing path that relies on an earlier run's registration (in-process runs share it) shows here.
 */
function childCli(label: string, argv: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(repoRoot, 'bin/dataarts.js'), ...argv], { cwd: root, env: { PATH: process.env.PATH, ...env } }, (err, stdout, stderr) => {
      outputs.push({ where: `child ${label} [${argv.join(' ')}] stdout`, text: stdout });
      outputs.push({ where: `child ${label} [${argv.join(' ')}] stderr`, text: stderr });
      resolve(err ? Number((err as { code?: unknown }).code ?? 1) : 0);
    });
  });
}

const VARIANTS: string[][] = [[], ['--verbose'], ['--json'], ['--verbose', '--json']];

// ---------------------------------------------------------------------------------------------
// The sweep.

interface Needle {
  label: string;
  bytes: Buffer;
}

/** A secret in the forms it could plausibly leak in: as is, base64 (plain and url), hex, URL-encoded. */
function forms(label: string, secret: string): Needle[] {
  const raw = Buffer.from(secret, 'utf8');
  const variants: [string, string][] = [
    ['raw', secret],
    ['base64', raw.toString('base64').replace(/=+$/, '')],
    ['base64url', raw.toString('base64url')],
    ['hex', raw.toString('hex')],
    ['url-encoded', encodeURIComponent(secret)],
  ];
  const seen = new Set<string>();
  const out: Needle[] = [];
  for (const [kind, v] of variants) {
    if (seen.has(v)) continue;
    seen.add(v);
    out.push({ label: `${label} (${kind})`, bytes: Buffer.from(v, 'utf8') });
  }
  return out;
}

/** Shapes of a signature or token whatever its value. */
const SHAPES: [string, RegExp][] = [
  ['Signature=<hex>', /Signature=[0-9a-fA-F]{16,}/],
  ['OBS AK:signature', /OBS [A-Za-z0-9]{8,}:[A-Za-z0-9+/=]{16,}/],
  ['emulator IAM token', /MIIemulator[A-Za-z0-9_-]{8,}/],
  ['SDK-HMAC Authorization', /SDK-HMAC-SHA256\s+Access=[^,\s*]+/],
];

function needles(): Needle[] {
  const named: [string, string][] = [
    ['SK', SK],
    ['IAM password', PASSWORD],
    ['security token', SECURITY_TOKEN],
    ['static IAM token', STATIC_TOKEN],
    ['wrong SK', WRONG_SK],
    ['wrong IAM password', WRONG_PASSWORD],
    ['emulator default SK', EMULATOR_DEFAULTS.sk],
    ['emulator default password', EMULATOR_DEFAULTS.password],
  ];
  const out = named.flatMap(([label, v]) => forms(label, v));
  for (const t of emu.state.tokens.keys()) out.push(...forms('issued IAM token', t));
  for (const v of wireSecrets) out.push({ label: `wire credential ${v.slice(0, 12)}…`, bytes: Buffer.from(v, 'utf8') });
  return out;
}

function findHits(where: string, data: Buffer, list: Needle[]): string[] {
  const hits: string[] = [];
  for (const n of list) if (n.bytes.length > 0 && data.includes(n.bytes)) hits.push(`${n.label} in ${where}`);
  const text = data.toString('latin1');
  for (const [label, re] of SHAPES) {
    const m = re.exec(text);
    if (m) hits.push(`${label} '${m[0].slice(0, 40)}' in ${where}`);
  }
  return hits;
}

interface SweptFiles {
  files: string[];
  zipEntries: number;
  hits: string[];
}

/** Read every file under dir (zips also unpacked) and search all of it. */
async function sweepTree(dir: string, list: Needle[]): Promise<SweptFiles> {
  const result: SweptFiles = { files: [], zipEntries: 0, hits: [] };
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        await walk(p);
        continue;
      }
      if (!e.isFile()) continue;
      const rel = path.relative(dir, p);
      result.files.push(rel);
      const data = await fs.readFile(p);
      result.hits.push(...findHits(rel, data, list));
      if (data.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) {
        for (const entry of await readZipEntries(p, IMPORT_LIMITS)) {
          result.zipEntries += 1;
          result.hits.push(...findHits(`${rel}!${entry.name}`, entry.data, list));
        }
      }
    }
  };
  await walk(dir);
  return result;
}

function sweepOutputs(list: Needle[]): string[] {
  return outputs.flatMap((o) => findHits(o.where, Buffer.from(o.text, 'utf8'), list));
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  emu = await startEmulator({
    port: 0,
    workspaces: ['dev', 'prod'],
    seedWorkspace: 'dev',
    seedJobs: 8,
    importDelayMs: 2,
    rateLimits: false,
    credentials: { sk: SK, password: PASSWORD },
  });
  for (const connection of emu.state.workspace('dev').connections.values()) emu.state.addConnection('prod', connection);
  // A token the user got elsewhere and passes as DATAARTS_TOKEN.
  emu.state.tokens.set(STATIC_TOKEN, { user: emu.credentials.username, expiresAt: Date.now() + 3600_000, revoked: false });
  proxy = await startRecordingProxy(emu.url);
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'dataarts-secrets-'));
});

afterAll(async () => {
  await proxy?.close();
  await emu?.close();
  if (root) await fs.rm(root, { recursive: true, force: true });
});

describe('secrets sweep', () => {
  test('the sweep itself finds a planted secret in each form and shape', () => {
    const list = forms('SK', SK);
    for (const n of list) expect(findHits('planted', Buffer.concat([Buffer.from('x '), n.bytes, Buffer.from(' y')]), list).length).toBeGreaterThan(0);
    expect(findHits('planted', Buffer.from('Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=0123456789abcdef0123'), [])).toHaveLength(2);
    expect(findHits('planted', Buffer.from('OBS EMULATORAK0000000001:dGhpcyBpcyBhIHNpZ25hdHVyZQ=='), [])).toHaveLength(1);
    expect(findHits('clean', Buffer.from('Signature=*** OBS AK:*** nothing here'), list)).toEqual([]);
  });

  test('jobs list with temporary AK/SK, IAM user and IAM token; every output variant', async () => {
    // Independent runs (in-process, no shared state): concurrently, so the sweep costs less time.
    const [variants, verbose, userJson, tokenJson] = await Promise.all([
      Promise.all(VARIANTS.map((flags) => cli('aksk', ['jobs', 'list', ...flags], akskEnv()))),
      cli('user', ['jobs', 'list', '--verbose'], userEnv()),
      cli('user', ['jobs', 'list', '--verbose', '--json'], userEnv()),
      cli('token', ['jobs', 'list', '--verbose', '--json'], tokenEnv()),
    ]);
    expect(variants.map((r) => r.code)).toEqual(VARIANTS.map(() => 0));
    expect(verbose.code).toBe(0);
    // --verbose really logs each call (so its lines are part of what is searched).
    expect(verbose.stderr).toMatch(/POST http:\/\/127\.0\.0\.1:\d+\/v3\/auth\/tokens.* → 201/);
    expect(verbose.stderr).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/v1\/[0-9a-f]+\/jobs\?.* → 200/);
    expect(userJson.code).toBe(0);
    expect(tokenJson.code).toBe(0);
    // The runs really signed with the security token and really used IAM tokens.
    expect(wireSecrets.has(SECURITY_TOKEN)).toBe(true);
    expect(wireSecrets.has(STATIC_TOKEN)).toBe(true);
    expect(emu.state.tokens.size).toBeGreaterThanOrEqual(2);
  });

  test('jobs export --all (zip and --layout dir) and export-workspace with a state file', async () => {
    const zip = path.join(root, 'export', 'all.zip');
    await fs.mkdir(path.dirname(zip), { recursive: true });
    const exports = await Promise.all([
      cli('aksk', ['jobs', 'export', '--all', '-o', zip, '--verbose'], akskEnv()),
      cli('aksk', ['jobs', 'export', '--all', '-o', path.join(root, 'export', 'all-json.zip'), '--json', '--verbose'], akskEnv()),
      cli('user', ['jobs', 'export', '--all', '-o', path.join(root, 'export', 'user.zip'), '--json'], userEnv()),
      cli('aksk', ['jobs', 'export', '--all', '--layout', 'dir', '-o', path.join(root, 'export', 'tree'), '--verbose'], akskEnv()),
      cli('token', ['jobs', 'export', '--all', '--layout', 'dir', '-o', path.join(root, 'export', 'tree-json'), '--json', '--verbose'], tokenEnv()),
    ]);
    expect(exports.map((r) => r.code)).toEqual([0, 0, 0, 0, 0]);

    const wsDir = path.join(root, 'workspace-backups');
    const stateFile = path.join(root, 'state', 'export-state.json');
    await fs.mkdir(path.dirname(stateFile), { recursive: true });
    const first = await cli('aksk', ['jobs', 'export-workspace', '--state-file', stateFile, '--full', '-o', path.join(wsDir, 'full.zip'), '--verbose'], akskEnv());
    expect(first.code).toBe(0);
    const second = await cli('user', ['jobs', 'export-workspace', '--state-file', stateFile, '-o', path.join(wsDir, 'incremental.zip'), '--verbose', '--json'], userEnv());
    expect(second.code).toBe(0);
    await fs.access(stateFile);
  });

  test('jobs refs on an archive and on the workspace', async () => {
    const zip = path.join(root, 'export', 'all.zip');
    const runs = await Promise.all([
      ...[[], ['--json'], ['--verbose']].map((flags) => cli('aksk', ['jobs', 'refs', zip, ...flags], akskEnv())),
      cli('aksk', ['jobs', 'refs', '--from-workspace', '--verbose', '--json'], akskEnv()),
      cli('user', ['jobs', 'refs', '--from-workspace', '--verbose'], userEnv()),
    ]);
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0]);
  });

  test('jobs import: plan, --dry-run, and a real import with --keep-staged (staged bytes included)', async () => {
    const zip = path.join(root, 'export', 'all.zip');
    const obsPath = 'obs://dataarts-staging/secrets-sweep/';
    const args = ['jobs', 'import', zip, '--obs-path', obsPath];
    expect((await cli('aksk', [...args, '--dry-run'], akskEnv('prod'))).code).toBe(0);
    expect((await cli('aksk', [...args, '--dry-run', '--verbose', '--json'], akskEnv('prod'))).code).toBe(0);
    // An IAM user cannot sign for OBS: the dry run checks the staging bucket with these credentials (exit 3).
    expect((await cli('user', [...args, '--dry-run', '--verbose'], userEnv('prod'))).code).toBe(3);
    const before = new Set(emu.state.obsKeys(emu.credentials.bucket));
    const real = await cli('aksk', [...args, '--keep-staged', '--verbose'], akskEnv('prod'));
    expect(real.code).toBe(0);
    const again = await cli('aksk', [...args, '--keep-staged', '--duplicate-policy', 'overwrite', '--include-unchanged', '--verbose', '--json'], akskEnv('prod'));
    expect(again.code).toBe(0);
    expect(emu.state.workspace('prod').jobs.size).toBe(emu.state.workspace('dev').jobs.size);

    // The staged objects land in the sweep tree, so they are searched raw and unpacked.
    const staged = emu.state.obsKeys(emu.credentials.bucket).filter((k) => !before.has(k));
    expect(staged.length).toBeGreaterThanOrEqual(2);
    const stagedDir = path.join(root, 'staged-objects');
    await fs.mkdir(stagedDir, { recursive: true });
    for (const [i, key] of staged.entries()) {
      await fs.writeFile(path.join(stagedDir, `${i}-${key.replace(/[^A-Za-z0-9._-]/g, '_')}`), emu.state.obsObject(emu.credentials.bucket, key)!);
    }
  });

  test('error paths: wrong SK, wrong IAM password, revoked token, refused and failing imports', async () => {
    const zip = path.join(root, 'export', 'all.zip');
    const obsArgs = ['--obs-path', 'obs://dataarts-staging/secrets-sweep-fail/'];
    for (const flags of VARIANTS) {
      const r = await cli('wrong-sk', ['jobs', 'list', ...flags], { ...akskEnv(), HUAWEICLOUD_SDK_SK: WRONG_SK });
      expect(r.code).toBe(3);
      expect(r.stdout + r.stderr).toMatch(/signature/i);
    }
    expect((await cli('wrong-sk', ['jobs', 'export', '--all', '-o', path.join(root, 'fail', 'x.zip'), '--verbose'], { ...akskEnv(), HUAWEICLOUD_SDK_SK: WRONG_SK })).code).toBe(3);
    expect((await cli('wrong-sk', ['jobs', 'import', zip, ...obsArgs, '--verbose'], { ...akskEnv('prod'), HUAWEICLOUD_SDK_SK: WRONG_SK })).code).toBe(3);
    for (const flags of [['--verbose'], ['--verbose', '--json']]) {
      const r = await cli('wrong-password', ['jobs', 'list', ...flags], { ...userEnv(), DATAARTS_PASSWORD: WRONG_PASSWORD });
      expect(r.code).toBe(3);
    }

    // A not-a-zip archive is refused before anything is sent (exit 4).
    const bogus = path.join(root, 'fail', 'bogus.zip');
    await fs.mkdir(path.dirname(bogus), { recursive: true });
    await fs.writeFile(bogus, 'this is not a zip');
    expect((await cli('aksk', ['jobs', 'import', bogus, ...obsArgs, '--verbose'], akskEnv('prod'))).code).toBe(4);

    // The service failing every import call: retries, then exit 6, with the staged object removed.
    emu.setFaults({ rate: 1, kinds: ['5xx'] });
    try {
      const failed = await cli('aksk', ['jobs', 'import', zip, ...obsArgs, '--verbose', '--json'], { ...akskEnv('prod'), DATAARTS_RETRY_MAX_ATTEMPTS: '2' });
      expect(failed.code).toBe(6);
    } finally {
      emu.setFaults(undefined);
    }

    emu.state.revokeTokens();
    expect((await cli('revoked-token', ['jobs', 'list', '--verbose'], tokenEnv())).code).toBe(3);
  });

  test('the built CLI in fresh processes (needs `npx tsc -p tsconfig.json`)', async () => {
    const zip = path.join(root, 'child', 'child.zip');
    await fs.mkdir(path.dirname(zip), { recursive: true });
    // The export feeds the import; the other three are independent: run beside that pair.
    const exportThenImport = async () => [
      await childCli('aksk', ['jobs', 'export', '--all', '-o', zip, '--verbose', '--no-progress'], akskEnv()),
      await childCli('aksk', ['jobs', 'import', zip, '--obs-path', 'obs://dataarts-staging/secrets-child/', '--duplicate-policy', 'overwrite', '--verbose', '--json'], akskEnv('prod')),
    ];
    const [pair, user, wrongSk, wrongPassword] = await Promise.all([
      exportThenImport(),
      childCli('user', ['jobs', 'list', '--verbose', '--json'], userEnv()),
      childCli('wrong-sk', ['jobs', 'list', '--verbose'], { ...akskEnv(), HUAWEICLOUD_SDK_SK: WRONG_SK }),
      childCli('wrong-password', ['jobs', 'list', '--verbose', '--json'], { ...userEnv(), DATAARTS_PASSWORD: WRONG_PASSWORD }),
    ]);
    expect({ pair, user, wrongSk, wrongPassword }).toEqual({ pair: [0, 0], user: 0, wrongSk: 3, wrongPassword: 3 });
  });

  test('`dataarts emulator --json --request-log`: the log holds no credential', async () => {
    const logFile = path.join(root, 'emulator', 'requests.jsonl');
    await fs.mkdir(path.dirname(logFile), { recursive: true });
    const port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
      s.on('error', reject);
    });
    const controller = new AbortController();
    const running = runCli(['emulator', '--json', '--port', String(port), '--seed-jobs', '4', '--import-delay-ms', '2', '--request-log', logFile], {
      signal: controller.signal,
      cwd: root,
    });
    const emuUrl = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      const up = await fetch(`${emuUrl}/v1/x/jobs`).then(() => true, () => false);
      if (up) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const side = await startRecordingProxy(emuUrl);
    try {
      const env = baseEnv(side.url, EMULATOR_DEFAULTS.projectId, 'default');
      const aksk = { ...env, HUAWEICLOUD_SDK_AK: EMULATOR_DEFAULTS.ak, HUAWEICLOUD_SDK_SK: EMULATOR_DEFAULTS.sk, HUAWEICLOUD_SDK_SECURITY_TOKEN: SECURITY_TOKEN };
      const user = { ...env, DATAARTS_USERNAME: EMULATOR_DEFAULTS.username, DATAARTS_PASSWORD: EMULATOR_DEFAULTS.password, DATAARTS_DOMAIN: EMULATOR_DEFAULTS.domain };
      const zip = path.join(root, 'emulator', 'default.zip');
      expect((await cli('emulator-cmd aksk', ['jobs', 'list', '--verbose'], aksk)).code).toBe(0);
      expect((await cli('emulator-cmd user', ['jobs', 'list', '--verbose'], user)).code).toBe(0);
      expect((await cli('emulator-cmd aksk', ['jobs', 'export', '--all', '-o', zip], aksk)).code).toBe(0);
      const imp = await cli('emulator-cmd aksk', ['jobs', 'import', zip, '--obs-path', 'obs://dataarts-staging/sweep/', '--duplicate-policy', 'overwrite', '--include-unchanged', '--stop-running', '--keep-staged', '--verbose'], aksk);
      expect(imp.code).toBe(0);
      expect((await cli('emulator-cmd wrong-password', ['jobs', 'list'], { ...user, DATAARTS_PASSWORD: WRONG_PASSWORD })).code).toBe(3);
    } finally {
      await side.close();
      controller.abort();
    }
    const r = await running;
    expect(r.code).toBe(0);
    // Printing the credentials it accepts is the emulator's job: stdout is left out on purpose.
    expect(JSON.parse(r.stdout).env.HUAWEICLOUD_SDK_SK).toBe(EMULATOR_DEFAULTS.sk);
    outputs.push({ where: 'emulator command stderr', text: r.stderr });

    const log = await fs.readFile(logFile, 'utf8');
    const entries = log.trim().split('\n').map((l) => JSON.parse(l) as { path: string; authKind: string });
    expect(entries.some((e) => e.authKind === 'aksk')).toBe(true);
    expect(entries.some((e) => e.authKind === 'token')).toBe(true);
    expect(entries.some((e) => e.authKind === 'obs')).toBe(true);
    expect(entries.some((e) => e.path === '/v3/auth/tokens')).toBe(true);
    expect(log).not.toMatch(/authorization|x-auth-token|x-subject-token|x-security-token|"password"/i);
    // Its values are searched by the final sweep (the file stays in the tree).
  });

  test('nothing anywhere holds a secret: every output and every file written', async () => {
    const list = needles();
    // The wire really carried what we look for (else the sweep would prove nothing).
    expect([...wireSecrets].some((v) => /^[0-9a-f]{64}$/.test(v))).toBe(true);
    expect([...wireSecrets].some((v) => v.startsWith('MIIemulator'))).toBe(true);
    expect(list.length).toBeGreaterThan(50);

    const files = await sweepTree(root, list);
    const hits = [...sweepOutputs(list), ...files.hits];
    // Count plus the first few: a leak in a shared path would otherwise print hundreds of lines.
    expect({ count: hits.length, first: hits.slice(0, 25) }).toEqual({ count: 0, first: [] });

    // The sweep covered what it must: archives (unpacked), trees, manifests, the state file,
    // the staged objects and the emulator's request log.
    expect(files.files.filter((f) => f.endsWith('.zip')).length).toBeGreaterThanOrEqual(4);
    expect(files.files.some((f) => f.endsWith('.manifest.json'))).toBe(true);
    expect(files.files).toContain(path.join('state', 'export-state.json'));
    expect(files.files.some((f) => f.startsWith(`staged-objects${path.sep}`))).toBe(true);
    expect(files.files).toContain(path.join('emulator', 'requests.jsonl'));
    expect(files.files.some((f) => f.startsWith(path.join('export', 'tree') + path.sep) && f.endsWith('.job'))).toBe(true);
    expect(files.zipEntries).toBeGreaterThan(20);
    expect(outputs.length).toBeGreaterThan(60);
  });
});
