/**
 * Reading config-like files: cosmiconfig with data loaders only (never executable config), the
 * upward search from the working directory to the home directory, and the permission rule for
 * files that hold secrets.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { holdsSecret } from './schema.js';

export const CONFIG_FILE_NAMES = ['.dataartsrc', '.dataartsrc.json', '.dataartsrc.yaml', '.dataartsrc.yml'] as const;

/**
 * The first config file found in `cwd` or one of its parents, stopping at `homedir` inclusive.
 * Outside the home directory only `cwd` itself is searched (a config must not be picked up from
 * some unrelated parent such as `/`).
 */
export async function findConfigFile(cwd: string, homedir: string): Promise<string | undefined> {
  const home = path.resolve(homedir);
  let dir = path.resolve(cwd);
  const underHome = dir === home || dir.startsWith(home.endsWith(path.sep) ? home : home + path.sep);
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = path.join(dir, name);
      if (await isFile(candidate)) return candidate;
    }
    if (!underHome || dir === home) return undefined;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}

/**
 * Parse a JSON or YAML file through cosmiconfig. Executable loaders are replaced by one that
 * refuses: config is data, never code (style.md anti-pattern 9).
 */
export async function parseDataFile(file: string): Promise<unknown> {
  const { cosmiconfig, defaultLoaders } = await import('cosmiconfig');
  const refuse = (filepath: string): never => {
    throw new ConfigError(`${filepath}: executable config files are not read; use JSON or YAML`, { file: filepath });
  };
  const explorer = cosmiconfig('dataarts', {
    cache: false,
    searchStrategy: 'none',
    loaders: {
      '.js': refuse,
      '.mjs': refuse,
      '.cjs': refuse,
      '.ts': refuse,
      '.mts': refuse,
      '.cts': refuse,
      '.json': defaultLoaders['.json'],
      '.yaml': defaultLoaders['.yaml'],
      '.yml': defaultLoaders['.yml'],
      noExt: defaultLoaders['.yaml'],
      // Any other extension (e.g. credentials.conf): YAML, which also reads JSON.
      default: defaultLoaders['.yaml'],
    } as Record<string, (filepath: string, content: string) => unknown>,
  });
  try {
    const result = await explorer.load(file);
    return result?.config ?? undefined;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new ConfigError(`${file}: file not found`, { file });
    if (e.code === 'EACCES') throw new ConfigError(`${file}: permission denied`, { file });
    const reason = (e.message ?? String(err)).split('\n')[0];
    throw new ConfigError(`${file}: not valid JSON or YAML: ${reason}`, { file, cause: err });
  }
}

/**
 * A file that holds a secret must not be readable by group or others. POSIX only: Windows has no
 * such mode bits, and its ACLs are out of scope.
 */
export async function checkSecretFilePermissions(file: string, content: unknown, platform = process.platform): Promise<void> {
  if (platform === 'win32' || !holdsSecret(content)) return;
  const mode = (await fs.stat(file)).mode;
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(
      `${file} holds a secret and is readable by ${mode & 0o070 ? 'group' : ''}${mode & 0o070 && mode & 0o007 ? ' and ' : ''}${mode & 0o007 ? 'others' : ''} (mode ${(mode & 0o777).toString(8)}); refusing to use it`,
      { file, hint: `Fix it with: chmod 600 ${shellQuote(file)}` },
    );
  }
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./~-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `~/x` → home-relative; relative → against `baseDir`. */
export function resolveUserPath(p: string, baseDir: string, homedir: string): string {
  if (p === '~') return homedir;
  if (p.startsWith('~/')) return path.join(homedir, p.slice(2));
  return path.resolve(baseDir, p);
}
