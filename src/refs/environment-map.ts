/**
 * The environment map: `environments.NAME` from the config file, plus `--map KIND:OLD=NEW` flags
 * that add to it and win.
 */
import { MAP_KINDS, type EnvironmentMap, type MapKind, type ResolvedConfig } from '../config/types.js';
import { ConfigError, UsageError } from '../errors.js';

function isMapKind(value: string): value is MapKind {
  return (MAP_KINDS as readonly string[]).includes(value);
}

const FLAG_FORM = '--map KIND:OLD=NEW';

/**
 * Parse `--map` values. Each is KIND:OLD=NEW, split at the first `:` and the first `=` after it
 * (resource names contain neither, per the reference's name rules). The same KIND:OLD given
 * twice with different NEW values is a usage error rather than "last wins" (inferred: a pipeline
 * that says two things at once has a bug worth stopping for).
 */
export function parseMapFlags(flags: readonly string[]): EnvironmentMap {
  const map: EnvironmentMap = {};
  for (const flag of flags) {
    const colon = flag.indexOf(':');
    const equals = colon < 0 ? -1 : flag.indexOf('=', colon + 1);
    const kind = colon < 0 ? '' : flag.slice(0, colon).trim();
    const from = equals < 0 ? '' : flag.slice(colon + 1, equals).trim();
    const to = equals < 0 ? '' : flag.slice(equals + 1).trim();
    if (colon < 0 || equals < 0 || kind === '' || from === '' || to === '') {
      throw new UsageError(`--map "${flag}" is not of the form KIND:OLD=NEW`, {
        hint: `Use ${FLAG_FORM}, e.g. --map connection:dev_dws=prod_dws. KIND is one of: ${MAP_KINDS.join(', ')}.`,
      });
    }
    if (!isMapKind(kind)) {
      throw new UsageError(`--map "${flag}": unknown kind "${kind}"`, {
        hint: `KIND is one of: ${MAP_KINDS.join(', ')}.`,
      });
    }
    const forKind = (map[kind] ??= {});
    const earlier = forKind[from];
    if (earlier !== undefined && earlier !== to) {
      throw new UsageError(`--map maps ${kind} "${from}" twice: to "${earlier}" and to "${to}"`);
    }
    forKind[from] = to;
  }
  return map;
}

/** `over` wins entry by entry; neither input is modified. */
export function mergeEnvironmentMaps(base: EnvironmentMap, over: EnvironmentMap): EnvironmentMap {
  const out: EnvironmentMap = {};
  for (const kind of MAP_KINDS) {
    const merged = { ...(base[kind] ?? {}), ...(over[kind] ?? {}) };
    if (Object.keys(merged).length > 0) out[kind] = merged;
  }
  return out;
}

/**
 * The map an import applies: the config file's `environments.NAME` when `envName` is given, with
 * the `--map` flags on top. An unknown environment name is a configuration error naming the file
 * and the names it does define.
 */
export function resolveEnvironmentMap(config: ResolvedConfig, envName: string | undefined, mapFlags: readonly string[]): EnvironmentMap {
  const fromFlags = parseMapFlags(mapFlags);
  if (envName === undefined) return fromFlags;
  const file = config.configFile;
  if (!file) {
    throw new ConfigError(`--env ${envName}: no config file was found, so there is no environments.${envName}`, {
      key: `environments.${envName}`,
      hint: 'Create .dataartsrc (see .dataartsrc.example) with an environments section, or pass --config PATH.',
    });
  }
  const environments = config.environments ?? {};
  if (!Object.prototype.hasOwnProperty.call(environments, envName)) {
    const available = Object.keys(environments).sort();
    throw new ConfigError(
      `--env ${envName}: ${file} has no environments.${envName} (${available.length > 0 ? `available: ${available.join(', ')}` : 'it defines no environments'})`,
      { file, key: `environments.${envName}` },
    );
  }
  return mergeEnvironmentMaps(environments[envName] ?? {}, fromFlags);
}
