import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, requireCredentials } from '../../src/config/load.js';
import { ConfigError, ExitCode, exitCodeFor } from '../../src/errors.js';
import { makeContext } from './context.js';
import type { GlobalOptions } from '../../src/context.js';

let home: string;
let work: string;

beforeEach(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'dataarts-config-'));
  work = path.join(home, 'projects', 'etl');
  await fs.mkdir(work, { recursive: true });
});
afterEach(async () => {
  await fs.rm(home, { recursive: true, force: true });
});

async function writeFile(file: string, content: string, mode = 0o600): Promise<string> {
  await fs.writeFile(file, content, { mode });
  await fs.chmod(file, mode);
  return file;
}

const FILE = {
  defaultProfile: 'dev',
  profiles: {
    dev: { region: 'cn-north-4', projectId: 'p-dev', workspace: 'ws-dev', endpoint: 'https://dlf.dev.example' },
    prod: { region: 'cn-east-3', projectId: 'p-prod', obsStagingPath: 'obs://stage/prod/' },
  },
};

async function load(opts: { env?: Record<string, string>; globals?: Partial<GlobalOptions>; cwd?: string }) {
  return loadConfig(makeContext({ cwd: opts.cwd ?? work, homedir: home, env: opts.env, globals: opts.globals }));
}

async function failure(p: Promise<unknown>): Promise<ConfigError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect(exitCodeFor(err)).toBe(ExitCode.CONFIG);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('precedence: flag > environment > profile > default', () => {
  beforeEach(async () => {
    await writeFile(path.join(home, '.dataartsrc.json'), JSON.stringify(FILE));
  });

  test.each([
    ['region from the profile', {}, {}, 'region', 'cn-north-4'],
    ['region: HUAWEICLOUD_SDK_REGION beats the profile', { HUAWEICLOUD_SDK_REGION: 'ap-southeast-3' }, {}, 'region', 'ap-southeast-3'],
    ['region: DATAARTS_REGION beats HUAWEICLOUD_SDK_REGION', { DATAARTS_REGION: 'cn-south-1', HUAWEICLOUD_SDK_REGION: 'ap-southeast-3' }, {}, 'region', 'cn-south-1'],
    ['region: the flag beats both', { DATAARTS_REGION: 'cn-south-1' }, { region: 'eu-west-0' }, 'region', 'eu-west-0'],
    ['project id from the profile', {}, {}, 'projectId', 'p-dev'],
    ['project id: HUAWEICLOUD_SDK_PROJECT_ID', { HUAWEICLOUD_SDK_PROJECT_ID: 'p-sdk' }, {}, 'projectId', 'p-sdk'],
    ['project id: DATAARTS_PROJECT_ID first', { DATAARTS_PROJECT_ID: 'p-env', HUAWEICLOUD_SDK_PROJECT_ID: 'p-sdk' }, {}, 'projectId', 'p-env'],
    ['project id: flag', { DATAARTS_PROJECT_ID: 'p-env' }, { projectId: 'p-flag' }, 'projectId', 'p-flag'],
    ['workspace: env beats profile', { DATAARTS_WORKSPACE: 'ws-env' }, {}, 'workspace', 'ws-env'],
    ['workspace: flag beats env', { DATAARTS_WORKSPACE: 'ws-env' }, { workspace: 'ws-flag' }, 'workspace', 'ws-flag'],
    ['endpoint from the profile (trailing slash removed)', {}, {}, 'endpoint', 'https://dlf.dev.example'],
    ['endpoint: env beats profile', { DATAARTS_ENDPOINT: 'http://127.0.0.1:9/' }, {}, 'endpoint', 'http://127.0.0.1:9'],
    ['endpoint: flag beats env', { DATAARTS_ENDPOINT: 'http://127.0.0.1:9' }, { endpoint: 'http://localhost:7' }, 'endpoint', 'http://localhost:7'],
    ['iam endpoint: default from the region', {}, {}, 'iamEndpoint', 'https://iam.cn-north-4.myhuaweicloud.com'],
    ['obs endpoint: default from the region', {}, {}, 'obsEndpoint', 'https://obs.cn-north-4.myhuaweicloud.com'],
    ['obs endpoint: env', { DATAARTS_OBS_ENDPOINT: 'http://127.0.0.1:5' }, {}, 'obsEndpoint', 'http://127.0.0.1:5'],
    ['profile chosen by DATAARTS_PROFILE', { DATAARTS_PROFILE: 'prod' }, {}, 'projectId', 'p-prod'],
    ['profile chosen by --profile over DATAARTS_PROFILE', { DATAARTS_PROFILE: 'dev' }, { profile: 'prod' }, 'region', 'cn-east-3'],
    ['defaultProfile applies without flag or env', {}, {}, 'profile', 'dev'],
    ['the DataArts endpoint default uses the region', {}, { profile: 'prod' }, 'endpoint', 'https://dayu-dlf.cn-east-3.myhuaweicloud.com'],
  ] as const)('%s', async (_name, env, globals, key, expected) => {
    const cfg = await load({ env: { ...env }, globals: { ...globals } });
    expect(cfg[key as keyof typeof cfg]).toBe(expected);
  });

  test('workspace absent everywhere: the header is left out', async () => {
    const cfg = await load({ globals: { profile: 'prod' } });
    expect(cfg.workspace).toBeUndefined();
    expect(cfg.obsEndpointIsCustom).toBe(false);
    expect(cfg.obsStagingPath).toBe('obs://stage/prod/');
  });

  test('retry settings: defaults, then the file, then DATAARTS_RETRY_* env', async () => {
    expect((await load({})).retry.maxAttempts).toBe(5);
    const cfg = await load({ env: { DATAARTS_RETRY_MAX_ATTEMPTS: '2', DATAARTS_RETRY_BASE_MS: '1' } });
    expect(cfg.retry).toMatchObject({ maxAttempts: 2, baseDelayMs: 1 });
  });

  test('rateScale: 1 by default, then the file, the profile, DATAARTS_RATE_SCALE', async () => {
    expect((await load({})).rateScale).toBe(1);
    await writeFile(path.join(work, '.dataartsrc.json'), JSON.stringify({ rateScale: 0.5, defaultProfile: 'dev', profiles: { dev: { projectId: 'p', region: 'r', rateScale: 0.25 }, prod: { projectId: 'p', region: 'r' } } }));
    expect((await load({})).rateScale).toBe(0.25);
    expect((await load({ env: { DATAARTS_PROFILE: 'prod' } })).rateScale).toBe(0.5);
    expect((await load({ env: { DATAARTS_RATE_SCALE: '2.5' } })).rateScale).toBe(2.5);
  });

  test.each(['0', '-1', 'fast', '1e3', '1001', '0.0'])('DATAARTS_RATE_SCALE=%j is refused naming the variable and the range', async (value) => {
    const err = await failure(load({ env: { DATAARTS_RATE_SCALE: value } }));
    expect(err.message).toContain('DATAARTS_RATE_SCALE must be a number above 0 and at most 1000');
    expect(err.key).toBe('DATAARTS_RATE_SCALE');
  });
});

describe('finding the file', () => {
  test('searched upward from the working directory, nearest first', async () => {
    await writeFile(path.join(home, '.dataartsrc.yaml'), 'profiles:\n  a: {projectId: from-home}\ndefaultProfile: a\n');
    await writeFile(path.join(home, 'projects', '.dataartsrc'), '{"profiles": {"b": {"projectId": "from-projects", "region": "r"}}, "defaultProfile": "b"}');
    const cfg = await load({});
    expect(cfg.projectId).toBe('from-projects');
    expect(cfg.configFile).toBe(path.join(home, 'projects', '.dataartsrc'));
  });

  test('not searched above the home directory', async () => {
    const inner = path.join(home, 'inner-home');
    await fs.mkdir(path.join(inner, 'w'), { recursive: true });
    await writeFile(path.join(home, '.dataartsrc.json'), JSON.stringify(FILE));
    const cfg = await loadConfig(makeContext({ cwd: path.join(inner, 'w'), homedir: inner, env: { DATAARTS_PROJECT_ID: 'p', DATAARTS_REGION: 'r' } }));
    expect(cfg.configFile).toBeUndefined();
  });

  test('--config wins over DATAARTS_CONFIG and the search', async () => {
    await writeFile(path.join(home, '.dataartsrc.json'), JSON.stringify(FILE));
    const a = await writeFile(path.join(home, 'a.yml'), 'profiles: {x: {projectId: pa, region: r}}\ndefaultProfile: x\n');
    const b = await writeFile(path.join(home, 'b.yml'), 'profiles: {x: {projectId: pb, region: r}}\ndefaultProfile: x\n');
    expect((await load({ env: { DATAARTS_CONFIG: a } })).projectId).toBe('pa');
    expect((await load({ env: { DATAARTS_CONFIG: a }, globals: { config: b } })).projectId).toBe('pb');
  });

  test('executable config is never read', async () => {
    const js = await writeFile(path.join(home, 'evil.js'), 'globalThis.pwned = true; module.exports = {};');
    const err = await failure(load({ globals: { config: js } }));
    expect(err.message).toContain('executable');
    expect((globalThis as Record<string, unknown>).pwned).toBeUndefined();
  });
});

describe('errors name the file and the key (exit 3)', () => {
  test.each([
    ['an unknown key', { profiles: { dev: { regoin: 'x' } } }, 'profiles.dev.regoin'],
    ['a wrong type', { profiles: { dev: { projectId: 42 } } }, 'profiles.dev.projectId'],
    ['a bad retry value', { profiles: { dev: { retry: { maxAttempts: 0 } } } }, 'profiles.dev.retry.maxAttempts'],
    ['a zero rateScale', { profiles: { dev: { rateScale: 0 } } }, 'profiles.dev.rateScale'],
    ['a rateScale as text', { rateScale: '2' }, 'rateScale'],
    ['an unknown environment kind', { environments: { prod: { conections: {} } } }, 'environments.prod.conections'],
    ['a non-URL endpoint', { profiles: { dev: { endpoint: 'dlf.example' } } }, 'profiles.dev.endpoint'],
    ['a defaultProfile that does not exist', { defaultProfile: 'nope', profiles: {} }, 'defaultProfile'],
  ])('%s', async (_name, content, key) => {
    const file = await writeFile(path.join(work, '.dataartsrc.json'), JSON.stringify(content));
    const err = await failure(load({}));
    expect(err.message).toContain(file);
    expect(err.message).toContain(key);
    expect(err.key).toBe(key);
  });

  test('invalid YAML names the file', async () => {
    const file = await writeFile(path.join(work, '.dataartsrc.yaml'), 'profiles: [unclosed\n');
    const err = await failure(load({}));
    expect(err.message).toContain(file);
  });

  test('an unknown profile names it and lists the known ones', async () => {
    await writeFile(path.join(work, '.dataartsrc.json'), JSON.stringify(FILE));
    const err = await failure(load({ globals: { profile: 'staging' } }));
    expect(err.message).toContain("'staging'");
    expect(err.message).toContain('dev, prod');
  });

  test('a missing project id names the flag, the environment variables and the key', async () => {
    const err = await failure(load({ env: { DATAARTS_REGION: 'cn-north-4' } }));
    const text = `${err.message} ${err.hint}`;
    for (const s of ['--project-id', 'DATAARTS_PROJECT_ID', 'HUAWEICLOUD_SDK_PROJECT_ID', 'projectId']) expect(text).toContain(s);
  });

  test('a missing region (with default endpoints) names the setting', async () => {
    const err = await failure(load({ env: { DATAARTS_PROJECT_ID: 'p' } }));
    expect(`${err.message} ${err.hint}`).toContain('DATAARTS_REGION');
  });
});

describe('secret files must be private', () => {
  test('a group/world-readable credentials file is refused with the chmod that fixes it', async () => {
    const creds = await writeFile(path.join(home, 'creds.yaml'), 'ak: AKEXAMPLE\nsk: secret-key-value\n', 0o644);
    await writeFile(path.join(work, '.dataartsrc.json'), JSON.stringify({ defaultProfile: 'd', profiles: { d: { projectId: 'p', region: 'r', credentialsFile: creds } } }));
    const err = await failure(load({}));
    expect(err.hint).toBe(`Fix it with: chmod 600 ${creds}`);
    expect(err.message).not.toContain('secret-key-value');
  });

  test('a private credentials file is read (relative to the config file)', async () => {
    await writeFile(path.join(home, 'creds.json'), JSON.stringify({ ak: 'AKEXAMPLE', sk: 'secret-key-value' }));
    await writeFile(path.join(home, '.dataartsrc.json'), JSON.stringify({ defaultProfile: 'd', profiles: { d: { projectId: 'p', region: 'r', credentialsFile: 'creds.json' } } }));
    const cfg = await load({});
    expect(requireCredentials(cfg, {})).toMatchObject({ kind: 'aksk', ak: 'AKEXAMPLE', sk: 'secret-key-value' });
  });

  test('a config file holding a secret and readable by others is refused', async () => {
    const file = await writeFile(path.join(work, '.dataartsrc.yaml'), 'profiles:\n  d:\n    password: hunter22\n', 0o604);
    const err = await failure(load({}));
    expect(err.hint).toBe(`Fix it with: chmod 600 ${file}`);
  });

  test('a config file without secrets may be world-readable', async () => {
    await writeFile(path.join(work, '.dataartsrc.json'), JSON.stringify(FILE), 0o644);
    expect((await load({})).projectId).toBe('p-dev');
  });
});

describe('credentials', () => {
  const cfg = { environments: {} } as unknown as Parameters<typeof requireCredentials>[0];
  test.each([
    ['AK/SK from the environment', { HUAWEICLOUD_SDK_AK: 'a', HUAWEICLOUD_SDK_SK: 'ssss', DATAARTS_TOKEN: 'tttt' }, 'aksk'],
    ['a token', { DATAARTS_TOKEN: 'tttt', DATAARTS_USERNAME: 'u', DATAARTS_PASSWORD: 'pppp', DATAARTS_DOMAIN: 'd' }, 'token'],
    ['an IAM user', { DATAARTS_USERNAME: 'u', DATAARTS_PASSWORD: 'pppp', DATAARTS_DOMAIN: 'd' }, 'password'],
  ])('%s', (_name, env, kind) => {
    expect(requireCredentials(cfg, env).kind).toBe(kind);
  });

  test('none at all: exit 3 saying which variables to set', () => {
    let err: unknown;
    try {
      requireCredentials(cfg, {});
    } catch (e) {
      err = e;
    }
    expect(exitCodeFor(err)).toBe(3);
    const text = `${(err as ConfigError).message} ${(err as ConfigError).hint}`;
    for (const v of ['HUAWEICLOUD_SDK_AK', 'HUAWEICLOUD_SDK_SK', 'DATAARTS_TOKEN', 'DATAARTS_USERNAME']) expect(text).toContain(v);
  });

  test('an incomplete IAM user names what is missing', () => {
    expect(() => requireCredentials(cfg, { DATAARTS_USERNAME: 'u', DATAARTS_PASSWORD: 'pppp' })).toThrow(/DATAARTS_DOMAIN/);
  });
});

describe('environments', () => {
  test('file keys map to kinds; a profile environment replaces the top-level one', async () => {
    await writeFile(
      path.join(work, '.dataartsrc.yaml'),
      [
        'defaultProfile: d',
        'environments:',
        '  prod: {connections: {dws_dev: dws_prod}, cdmClusters: {c1: c2}}',
        '  test: {queues: {q1: q2}}',
        'profiles:',
        '  d:',
        '    projectId: p',
        '    region: r',
        '    environments:',
        '      prod: {executeUsers: {alice: bob}}',
      ].join('\n'),
    );
    const cfg = await load({});
    expect(cfg.environments).toEqual({ prod: { 'execute-user': { alice: 'bob' } }, test: { queue: { q1: 'q2' } } });
  });
});

describe('.dataartsrc.example', () => {
  test('is a valid config file (every key it documents is accepted)', async () => {
    const example = new URL('../../.dataartsrc.example', import.meta.url).pathname;
    const copy = await writeFile(path.join(work, '.dataartsrc.yaml'), await fs.readFile(example, 'utf8'), 0o644);
    await fs.mkdir(path.join(home, '.dataarts'));
    await writeFile(path.join(home, '.dataarts', 'dev-credentials.yaml'), 'ak: AKEXAMPLE\nsk: example-secret\n');
    const cfg = await load({ globals: { config: copy } });
    expect(cfg.profile).toBe('dev');
    expect(cfg.workspace).toBe('a1b2c3d4e5f6');
    expect(cfg.environments.prod).toEqual({ connection: { dws_dev: 'dws_prod' } });
    expect(cfg.fileCredentials).toMatchObject({ ak: 'AKEXAMPLE' });
    expect(cfg.retry).toEqual({ maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 10000, throttleFloorMs: 2000 });
  });
});
