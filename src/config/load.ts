/**
 * Build the one ResolvedConfig from flags, environment, the selected profile and defaults, in that
 * order of precedence (contract: "Where it connects, and as whom"), and pick the credentials.
 */
import path from 'node:path';
import type { CommandContext } from '../context.js';
import { ConfigError } from '../errors.js';
import { registerSecret } from '../auth/redact.js';
import { checkSecretFilePermissions, findConfigFile, parseDataFile, resolveUserPath } from './file-access.js';
import { isHttpUrl, rateScaleProblem, validateConfigFile, validateCredentialsFile, type ConfigFile, type ProfileFile } from './schema.js';
import type { Credentials, EnvironmentMap, ResolvedConfig, RetryPolicy, Timeouts } from './types.js';

type Env = Record<string, string | undefined>;

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 10_000, throttleFloorMs: 2_000 };
export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, headersMs: 60_000, bodyMs: 120_000 };

export interface LoadConfigOptions {
  /**
   * False for commands that work offline (e.g. `jobs refs ARCHIVE` only wants `environments`):
   * then a missing project id or region is not an error and the endpoints may be empty.
   */
  requireService?: boolean;
}

/** First non-empty environment variable among `names`, with its name. */
function fromEnv(env: Env, names: string[]): { value: string; source: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return { value: value.trim(), source: name };
  }
  return undefined;
}

interface Setting {
  flag: string;
  env: string[];
  key: keyof ProfileFile;
}

const SETTINGS = {
  region: { flag: '--region', env: ['DATAARTS_REGION', 'HUAWEICLOUD_SDK_REGION'], key: 'region' },
  projectId: { flag: '--project-id', env: ['DATAARTS_PROJECT_ID', 'HUAWEICLOUD_SDK_PROJECT_ID'], key: 'projectId' },
  workspace: { flag: '--workspace', env: ['DATAARTS_WORKSPACE'], key: 'workspace' },
  endpoint: { flag: '--endpoint', env: ['DATAARTS_ENDPOINT'], key: 'endpoint' },
  iamEndpoint: { flag: '--iam-endpoint', env: ['DATAARTS_IAM_ENDPOINT'], key: 'iamEndpoint' },
  obsEndpoint: { flag: '--obs-endpoint', env: ['DATAARTS_OBS_ENDPOINT'], key: 'obsEndpoint' },
  // DATAARTS_CA_FILE is our addition; NODE_EXTRA_CA_CERTS is honoured separately by the transport.
  caFile: { flag: '--ca-file', env: ['DATAARTS_CA_FILE'], key: 'caFile' },
} satisfies Record<string, Setting>;

function settingHint(s: Setting, profileName: string | undefined): string {
  return `set ${s.flag}, the environment variable ${s.env.join(' or ')}, or '${s.key}' in the ${profileName ? `profile '${profileName}'` : 'selected profile'} of .dataartsrc`;
}

export async function loadConfig(ctx: CommandContext, options: LoadConfigOptions = {}): Promise<ResolvedConfig> {
  const requireService = options.requireService ?? true;
  const { env, cwd, homedir } = ctx.deps;
  const g = ctx.globals;

  // 1. Which file.
  const explicit = g.config ?? fromEnv(env, ['DATAARTS_CONFIG'])?.value;
  const configFile = explicit !== undefined ? resolveUserPath(explicit, cwd, homedir) : await findConfigFile(cwd, homedir);
  let file: ConfigFile = { profiles: {}, environments: {} };
  if (configFile) {
    const raw = await parseDataFile(configFile);
    await checkSecretFilePermissions(configFile, raw);
    file = validateConfigFile(raw, configFile);
  }

  // 2. Which profile.
  const profileName = g.profile ?? fromEnv(env, ['DATAARTS_PROFILE'])?.value ?? file.defaultProfile;
  let profile: ProfileFile = {};
  if (profileName !== undefined) {
    if (!configFile) {
      throw new ConfigError(`profile '${profileName}' was asked for but no config file was found (searched ${cwd} up to ${homedir})`, {
        key: 'profiles',
        hint: 'Create .dataartsrc (see .dataartsrc.example) or point --config / DATAARTS_CONFIG at one.',
      });
    }
    const found = file.profiles[profileName];
    if (!found) {
      throw new ConfigError(`${configFile}: no profile '${profileName}' (profiles: ${Object.keys(file.profiles).join(', ') || 'none'})`, {
        file: configFile,
        key: `profiles.${profileName}`,
      });
    }
    profile = found;
  }
  const baseDir = configFile ? path.dirname(configFile) : cwd;

  const pick = (s: Setting, flagValue: string | undefined): string | undefined =>
    flagValue ?? fromEnv(env, s.env)?.value ?? (profile[s.key] as string | undefined);

  const region = pick(SETTINGS.region, g.region);
  const projectId = pick(SETTINGS.projectId, g.projectId);
  const workspace = pick(SETTINGS.workspace, g.workspace);
  const caFileRaw = pick(SETTINGS.caFile, g.caFile);

  // `requiredNow` false: the IAM and OBS endpoints are needed only by IAM-user logins and import
  // staging; their users report the missing region when they get there (see missingEndpointError).
  const endpointFor = (s: Setting, flagValue: string | undefined, host: string, requiredNow = true): { url: string; custom: boolean } => {
    const given = pick(s, flagValue);
    if (given !== undefined) {
      if (!isHttpUrl(given)) throw new ConfigError(`${s.flag} / ${s.env[0]} / '${s.key}' must be an http(s) URL, got ${JSON.stringify(given)}`, { key: s.key });
      return { url: given.replace(/\/+$/, ''), custom: true };
    }
    if (region === undefined) {
      if (!requireService || !requiredNow) return { url: '', custom: false };
      throw new ConfigError(`no region configured, so the ${s.key} cannot be derived`, { key: 'region', hint: `${settingHint(SETTINGS.region, profileName)} (or give every endpoint).` });
    }
    return { url: `https://${host.replace('{region}', region)}`, custom: false };
  };

  if (projectId === undefined && requireService) {
    throw new ConfigError('no project id configured', { key: 'projectId', hint: `The project id is required: ${settingHint(SETTINGS.projectId, profileName)}.` });
  }
  const endpoint = endpointFor(SETTINGS.endpoint, g.endpoint, 'dayu-dlf.{region}.myhuaweicloud.com');
  const iam = endpointFor(SETTINGS.iamEndpoint, g.iamEndpoint, 'iam.{region}.myhuaweicloud.com', false);
  const obs = endpointFor(SETTINGS.obsEndpoint, g.obsEndpoint, 'obs.{region}.myhuaweicloud.com', false);

  // 3. Credentials file (AK/SK only), read now because requireCredentials is synchronous.
  let fileCredentials: ResolvedConfig['fileCredentials'];
  if (profile.credentialsFile !== undefined) {
    const credFile = resolveUserPath(profile.credentialsFile, baseDir, homedir);
    const raw = await parseDataFile(credFile);
    await checkSecretFilePermissions(credFile, raw);
    const creds = validateCredentialsFile(raw, credFile);
    registerSecret(creds.sk);
    registerSecret(creds.securityToken);
    fileCredentials = { kind: 'aksk', ...creds, source: credFile };
  }

  return {
    profile: profileName,
    configFile,
    region,
    projectId: projectId ?? '',
    workspace,
    endpoint: endpoint.url,
    iamEndpoint: iam.url,
    obsEndpoint: obs.url,
    obsEndpointIsCustom: obs.custom,
    obsStagingPath: profile.obsStagingPath,
    fileCredentials,
    caFile: caFileRaw === undefined ? undefined : resolveUserPath(caFileRaw, caFileRaw === g.caFile ? cwd : baseDir, homedir),
    environments: mergeEnvironments(file.environments, profile.environments),
    retry: retryPolicy(env, file, profile),
    timeouts: { ...DEFAULT_TIMEOUTS, ...file.timeouts, ...profile.timeouts },
    rateScale: envRateScale(env) ?? profile.rateScale ?? file.rateScale ?? 1,
  };
}

/**
 * A profile's `environments.NAME` replaces the top-level `environments.NAME` as a whole (inferred:
 * what the profile shows is exactly what applies; no entries leak in from the top level).
 */
function mergeEnvironments(top: Record<string, EnvironmentMap>, fromProfile: Record<string, EnvironmentMap> | undefined): Record<string, EnvironmentMap> {
  return { ...top, ...(fromProfile ?? {}) };
}

function envInteger(env: Env, name: string, min: number): number | undefined {
  const v = fromEnv(env, [name]);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v.value) || Number(v.value) < min) throw new ConfigError(`${name} must be an integer >= ${min}, got ${JSON.stringify(v.value)}`, { key: name });
  return Number(v.value);
}

/** DATAARTS_RATE_SCALE: a plain decimal number, bounded as the config key is (schema.ts). */
function envRateScale(env: Env): number | undefined {
  const v = fromEnv(env, ['DATAARTS_RATE_SCALE']);
  if (v === undefined) return undefined;
  const n = /^\d+(\.\d+)?$/.test(v.value) ? Number(v.value) : NaN;
  const problem = rateScaleProblem(n);
  if (problem) throw new ConfigError(`DATAARTS_RATE_SCALE ${problem}, got ${JSON.stringify(v.value)}`, { key: 'DATAARTS_RATE_SCALE', hint: 'For example 0.5 to use half of the documented per-user limits.' });
  return n;
}

function retryPolicy(env: Env, file: ConfigFile, profile: ProfileFile): RetryPolicy {
  const merged: RetryPolicy = { ...DEFAULT_RETRY, ...file.retry, ...profile.retry };
  const fromEnvVars: Partial<RetryPolicy> = {
    maxAttempts: envInteger(env, 'DATAARTS_RETRY_MAX_ATTEMPTS', 1),
    baseDelayMs: envInteger(env, 'DATAARTS_RETRY_BASE_MS', 0),
    maxDelayMs: envInteger(env, 'DATAARTS_RETRY_MAX_MS', 0),
    throttleFloorMs: envInteger(env, 'DATAARTS_RETRY_THROTTLE_MS', 0),
  };
  for (const [k, v] of Object.entries(fromEnvVars)) if (v !== undefined) merged[k as keyof RetryPolicy] = v;
  return merged;
}

/**
 * The credentials to use: AK/SK (environment, then the profile's credentials file) wins over an
 * IAM token, which wins over an IAM user. Every secret is registered for redaction here.
 */
export function requireCredentials(cfg: ResolvedConfig, env: Env): Credentials {
  const ak = fromEnv(env, ['HUAWEICLOUD_SDK_AK']);
  const sk = fromEnv(env, ['HUAWEICLOUD_SDK_SK']);
  const securityToken = fromEnv(env, ['HUAWEICLOUD_SDK_SECURITY_TOKEN']);
  registerSecret(sk?.value);
  registerSecret(securityToken?.value);
  if (ak && sk) {
    return { kind: 'aksk', ak: ak.value, sk: sk.value, securityToken: securityToken?.value, source: 'environment (HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK)' };
  }
  if (ak || sk) {
    throw new ConfigError(`${ak ? 'HUAWEICLOUD_SDK_AK' : 'HUAWEICLOUD_SDK_SK'} is set but ${ak ? 'HUAWEICLOUD_SDK_SK' : 'HUAWEICLOUD_SDK_AK'} is not`, {
      key: ak ? 'HUAWEICLOUD_SDK_SK' : 'HUAWEICLOUD_SDK_AK',
      hint: 'Set both, or neither.',
    });
  }
  if (cfg.fileCredentials) return cfg.fileCredentials;

  const token = fromEnv(env, ['DATAARTS_TOKEN']);
  registerSecret(token?.value);
  if (token) return { kind: 'token', token: token.value, source: 'DATAARTS_TOKEN' };

  const username = fromEnv(env, ['DATAARTS_USERNAME']);
  const password = fromEnv(env, ['DATAARTS_PASSWORD']);
  const domain = fromEnv(env, ['DATAARTS_DOMAIN']);
  registerSecret(password?.value);
  if (username && password && domain) {
    return { kind: 'password', username: username.value, password: password.value, domain: domain.value, source: 'DATAARTS_USERNAME/DATAARTS_PASSWORD/DATAARTS_DOMAIN' };
  }
  if (username || password || domain) {
    const missing = [['DATAARTS_USERNAME', username], ['DATAARTS_PASSWORD', password], ['DATAARTS_DOMAIN', domain]].filter(([, v]) => !v).map(([n]) => n as string);
    throw new ConfigError(`IAM user credentials are incomplete: ${missing.join(', ')} not set`, { key: missing[0] });
  }
  throw new ConfigError('no credentials found', {
    key: 'credentials',
    hint:
      'Set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (plus HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary keys), ' +
      "or 'credentialsFile' in the profile, or DATAARTS_TOKEN, or DATAARTS_USERNAME, DATAARTS_PASSWORD and DATAARTS_DOMAIN.",
  });
}

/** The error for an IAM or OBS endpoint that is needed now but was neither given nor derivable. */
export function missingEndpointError(key: 'iamEndpoint' | 'obsEndpoint'): ConfigError {
  const s = key === 'iamEndpoint' ? SETTINGS.iamEndpoint : SETTINGS.obsEndpoint;
  return new ConfigError(`no region configured, so the ${key} cannot be derived`, {
    key: 'region',
    hint: `Set --region (DATAARTS_REGION, HUAWEICLOUD_SDK_REGION, or 'region' in the profile), or give ${s.flag} / ${s.env[0]}.`,
  });
}
