/**
 * How the user can type this CLI again: `dataarts` when it is on PATH, else `node bin/dataarts.js`
 * (a checkout, path relative to where they are), else `npx dataarts` (an installed package).
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

function onPath(name: string, pathVar: string | undefined): boolean {
  for (const dir of (pathVar ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      const file = path.join(dir, name);
      if (statSync(file).isFile()) {
        accessSync(file, constants.X_OK);
        return true;
      }
    } catch {
      // not there, or not executable
    }
  }
  return false;
}

export function launcherCommand(opts: { pathVar: string | undefined; cwd: string; script?: string }): string {
  if (onPath('dataarts', opts.pathVar)) return 'dataarts';
  if (opts.script && /(^|[\\/])bin[\\/]dataarts\.js$/.test(opts.script)) {
    const relative = path.relative(opts.cwd, opts.script);
    const shown = relative.startsWith('..') || path.isAbsolute(relative) ? opts.script : relative;
    return `node ${/^[\w@%+=:,./-]+$/.test(shown) ? shown : `'${shown.replace(/'/g, `'\\''`)}'`}`;
  }
  return 'npx dataarts';
}
