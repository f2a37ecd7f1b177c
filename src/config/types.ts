/** The one typed configuration every command works from (built and validated in config/load.ts). */

export type Credentials =
  | { kind: 'aksk'; ak: string; sk: string; securityToken?: string; source: string }
  | { kind: 'token'; token: string; source: string }
  | { kind: 'password'; username: string; password: string; domain: string; source: string };

/** Environment map kinds (contract: "Environment map"). */
export const MAP_KINDS = [
  'connection',
  'database',
  'queue',
  'cdm-cluster',
  'cdm-job',
  'mrs-cluster',
  'dis-stream',
  'ges-graph',
  'agency',
  'execute-user',
] as const;
export type MapKind = (typeof MAP_KINDS)[number];
export type EnvironmentMap = Partial<Record<MapKind, Record<string, string>>>;

/** How often and how patiently safe calls are retried (config `retry.*`, env DATAARTS_RETRY_*). */
export interface RetryPolicy {
  /** Total attempts including the first (1 = no retry). */
  maxAttempts: number;
  /** Base of the exponential backoff (full jitter: a random delay in [0, base * 2^n], capped). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Least wait after a 429 that carries no Retry-After (the reference says back off 2-5 s). */
  throttleFloorMs: number;
}

/** undici timeouts (config `timeouts.*`). */
export interface Timeouts {
  connectMs: number;
  /** Time to the response headers. */
  headersMs: number;
  /** Longest silence while the body streams. */
  bodyMs: number;
}

export interface ResolvedConfig {
  /** Selected profile name, if any. */
  profile?: string;
  /** The config file read, if any. */
  configFile?: string;
  region?: string;
  projectId: string;
  /** Workspace id; undefined = leave the header out (service default workspace). */
  workspace?: string;
  /** DataArts Factory base URL, no trailing slash. */
  endpoint: string;
  iamEndpoint: string;
  obsEndpoint: string;
  /** True when the OBS endpoint was given (path-style addressing), false for the default (virtual-host). */
  obsEndpointIsCustom: boolean;
  /** Profile default for `jobs import --obs-path`. */
  obsStagingPath?: string;
  /** Credentials: resolved lazily by `requireCredentials`, since `jobs refs ARCHIVE` needs none. */
  credentials?: Credentials;
  /** AK/SK read from the profile's credentials file (already permission-checked and registered as secrets). */
  fileCredentials?: Extract<Credentials, { kind: 'aksk' }>;
  caFile?: string;
  /** `environments.NAME` maps from the config file. */
  environments: Record<string, EnvironmentMap>;
  retry: RetryPolicy;
  timeouts: Timeouts;
  /**
   * Multiplies the reference's per-user rate limits the client paces itself to (config
   * `rateScale`, env DATAARTS_RATE_SCALE; 1 = the documented 10/s and 30/s).
   */
  rateScale: number;
}
