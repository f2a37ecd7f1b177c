/**
 * The one place where the config file and the credentials file are validated. Every error names the
 * file and the key path (`profiles.dev.retry.maxAttempts`), so the user can go straight to it.
 * Unknown keys are errors too: a misspelt `regoin` must not silently fall back to a default.
 */
import { ConfigError } from '../errors.js';
import type { EnvironmentMap, MapKind } from './types.js';

export interface RetryFile {
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  throttleFloorMs?: number;
}

export interface TimeoutsFile {
  connectMs?: number;
  headersMs?: number;
  bodyMs?: number;
}

export interface ProfileFile {
  region?: string;
  projectId?: string;
  workspace?: string;
  endpoint?: string;
  iamEndpoint?: string;
  obsEndpoint?: string;
  obsStagingPath?: string;
  credentialsFile?: string;
  caFile?: string;
  environments?: Record<string, EnvironmentMap>;
  retry?: RetryFile;
  timeouts?: TimeoutsFile;
  rateScale?: number;
}

export interface ConfigFile {
  defaultProfile?: string;
  profiles: Record<string, ProfileFile>;
  environments: Record<string, EnvironmentMap>;
  retry?: RetryFile;
  timeouts?: TimeoutsFile;
  rateScale?: number;
}

export interface CredentialsFile {
  ak: string;
  sk: string;
  securityToken?: string;
}

/** File key (plural, camelCase) → environment map kind of the contract. */
export const ENVIRONMENT_FILE_KEYS: Record<string, MapKind> = {
  connections: 'connection',
  databases: 'database',
  queues: 'queue',
  cdmClusters: 'cdm-cluster',
  cdmJobs: 'cdm-job',
  mrsClusters: 'mrs-cluster',
  disStreams: 'dis-stream',
  gesGraphs: 'ges-graph',
  agencies: 'agency',
  executeUsers: 'execute-user',
};

const PROFILE_STRING_KEYS = [
  'region',
  'projectId',
  'workspace',
  'endpoint',
  'iamEndpoint',
  'obsEndpoint',
  'obsStagingPath',
  'credentialsFile',
  'caFile',
] as const;
const RETRY_KEYS = ['maxAttempts', 'baseDelayMs', 'maxDelayMs', 'throttleFloorMs'] as const;
const TIMEOUT_KEYS = ['connectMs', 'headersMs', 'bodyMs'] as const;
/** `rateScale` bounds: above 0 (0 would never send), at most 1000 (a typo, not a plan, beyond that). */
const RATE_SCALE_MAX = 1000;
/** What is wrong with a `rateScale` (config key or DATAARTS_RATE_SCALE), or undefined when it is fine. */
export function rateScaleProblem(value: unknown): string | undefined {
  return typeof value === 'number' && value > 0 && value <= RATE_SCALE_MAX ? undefined : `must be a number above 0 and at most ${RATE_SCALE_MAX}`;
}

/** Key names whose presence makes a file secret (it must then be readable by its owner only). */
export const SECRET_KEYS = new Set(['sk', 'securityToken', 'password']);

class Checker {
  constructor(readonly file: string) {}

  fail(path: string, problem: string): never {
    throw new ConfigError(`${this.file}: ${path ? `'${path}' ` : ''}${problem}`, { file: this.file, key: path || undefined });
  }

  object(value: unknown, path: string): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(path, `must be a mapping of keys to values, got ${describe(value)}`);
    return value as Record<string, unknown>;
  }

  onlyKeys(obj: Record<string, unknown>, path: string, allowed: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) this.fail(join(path, key), `is not a known key (allowed here: ${allowed.join(', ')})`);
    }
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string' || value.trim() === '') this.fail(path, `must be a non-empty string, got ${describe(value)}`);
    return value;
  }

  rateScale(value: unknown, path: string): number {
    const problem = rateScaleProblem(value);
    if (problem) this.fail(path, `${problem}, got ${describe(value)}`);
    return value as number;
  }

  integer(value: unknown, path: string, min: number): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) this.fail(path, `must be an integer >= ${min}, got ${describe(value)}`);
    return value;
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function checkEnvironments(c: Checker, value: unknown, path: string): Record<string, EnvironmentMap> {
  const out: Record<string, EnvironmentMap> = {};
  for (const [envName, envValue] of Object.entries(c.object(value, path))) {
    const envPath = join(path, envName);
    const envObj = c.object(envValue, envPath);
    c.onlyKeys(envObj, envPath, Object.keys(ENVIRONMENT_FILE_KEYS));
    const map: EnvironmentMap = {};
    for (const [fileKey, mapValue] of Object.entries(envObj)) {
      const kindPath = join(envPath, fileKey);
      const pairs: Record<string, string> = {};
      for (const [from, to] of Object.entries(c.object(mapValue, kindPath))) pairs[from] = c.string(to, join(kindPath, from));
      map[ENVIRONMENT_FILE_KEYS[fileKey]!] = pairs;
    }
    out[envName] = map;
  }
  return out;
}

function checkNumbers<K extends string>(c: Checker, at: { value: unknown; path: string }, keys: readonly K[], min: (k: K) => number): Partial<Record<K, number>> {
  const { value, path } = at;
  const obj = c.object(value, path);
  c.onlyKeys(obj, path, keys);
  const out: Partial<Record<K, number>> = {};
  for (const key of keys) if (obj[key] !== undefined) out[key] = c.integer(obj[key], join(path, key), min(key));
  return out;
}

function checkRetry(c: Checker, value: unknown, path: string): RetryFile {
  return checkNumbers(c, { value, path }, RETRY_KEYS, (k) => (k === 'maxAttempts' ? 1 : 0));
}

function checkTimeouts(c: Checker, value: unknown, path: string): TimeoutsFile {
  return checkNumbers(c, { value, path }, TIMEOUT_KEYS, () => 1);
}

function checkProfile(c: Checker, value: unknown, path: string): ProfileFile {
  const obj = c.object(value, path);
  c.onlyKeys(obj, path, [...PROFILE_STRING_KEYS, 'environments', 'retry', 'timeouts', 'rateScale']);
  const profile: ProfileFile = {};
  for (const key of PROFILE_STRING_KEYS) if (obj[key] !== undefined) profile[key] = c.string(obj[key], join(path, key));
  for (const key of ['endpoint', 'iamEndpoint', 'obsEndpoint'] as const) {
    if (profile[key] !== undefined && !isHttpUrl(profile[key]!)) c.fail(join(path, key), `must be an http(s) URL, got ${JSON.stringify(profile[key])}`);
  }
  if (obj.environments !== undefined) profile.environments = checkEnvironments(c, obj.environments, join(path, 'environments'));
  if (obj.retry !== undefined) profile.retry = checkRetry(c, obj.retry, join(path, 'retry'));
  if (obj.timeouts !== undefined) profile.timeouts = checkTimeouts(c, obj.timeouts, join(path, 'timeouts'));
  if (obj.rateScale !== undefined) profile.rateScale = c.rateScale(obj.rateScale, join(path, 'rateScale'));
  return profile;
}

/** Validate the parsed content of a config file (an empty file is an empty config). */
export function validateConfigFile(raw: unknown, file: string): ConfigFile {
  const c = new Checker(file);
  if (raw === undefined || raw === null) return { profiles: {}, environments: {} };
  const obj = c.object(raw, '');
  c.onlyKeys(obj, '', ['defaultProfile', 'profiles', 'environments', 'retry', 'timeouts', 'rateScale']);
  const config: ConfigFile = { profiles: {}, environments: {} };
  if (obj.defaultProfile !== undefined) config.defaultProfile = c.string(obj.defaultProfile, 'defaultProfile');
  if (obj.profiles !== undefined) {
    for (const [name, value] of Object.entries(c.object(obj.profiles, 'profiles'))) config.profiles[name] = checkProfile(c, value, join('profiles', name));
  }
  if (obj.environments !== undefined) config.environments = checkEnvironments(c, obj.environments, 'environments');
  if (obj.retry !== undefined) config.retry = checkRetry(c, obj.retry, 'retry');
  if (obj.timeouts !== undefined) config.timeouts = checkTimeouts(c, obj.timeouts, 'timeouts');
  if (obj.rateScale !== undefined) config.rateScale = c.rateScale(obj.rateScale, 'rateScale');
  if (config.defaultProfile !== undefined && !(config.defaultProfile in config.profiles)) {
    c.fail('defaultProfile', `names a profile that does not exist (${Object.keys(config.profiles).join(', ') || 'no profiles defined'})`);
  }
  return config;
}

/** Validate a credentials file: `ak`, `sk` and optionally `securityToken`. */
export function validateCredentialsFile(raw: unknown, file: string): CredentialsFile {
  const c = new Checker(file);
  const obj = c.object(raw ?? undefined, '');
  c.onlyKeys(obj, '', ['ak', 'sk', 'securityToken']);
  const creds: CredentialsFile = { ak: c.string(obj.ak, 'ak'), sk: c.string(obj.sk, 'sk') };
  if (obj.securityToken !== undefined) creds.securityToken = c.string(obj.securityToken, 'securityToken');
  return creds;
}

/** True when any key at any depth is one of SECRET_KEYS (then the file must be private). */
export function holdsSecret(raw: unknown): boolean {
  if (raw === null || typeof raw !== 'object') return false;
  if (Array.isArray(raw)) return raw.some(holdsSecret);
  return Object.entries(raw as Record<string, unknown>).some(([k, v]) => SECRET_KEYS.has(k) || holdsSecret(v));
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
