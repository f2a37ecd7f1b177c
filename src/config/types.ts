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
  caFile?: string;
  /** `environments.NAME` maps from the config file. */
  environments: Record<string, EnvironmentMap>;
}
