/**
 * The published package (issue 9 item 7): `npm pack` ships bin/, dist/ and the docs, and nothing
 * that points at files it does not ship (no source maps into src/, no build cache); installed
 * from the tarball into an empty prefix, the `dataarts` command runs: `--version`, and
 * `jobs list` against the emulator. Packs dist/ as it is (`npm test` builds it first).
 * Dependencies come from the npm cache when they are there (`npm ci` put them there), else from
 * the registry, as for a user's `npm install -g`.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { lstat, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startEmulator, type Emulator } from './helpers/emulator.js';
import { emulatorEnv } from './helpers/emulator-env.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string };

let dir: string;
let emu: Emulator;
let tarball: string;
let packed: string[];

/** Every .ts under src/, as the .js path tsc writes for it under dist/. */
function builtFiles(sub = ''): string[] {
  return readdirSync(path.join(repoRoot, 'src', sub), { withFileTypes: true }).flatMap((e) => {
    const rel = sub ? `${sub}/${e.name}` : e.name;
    if (e.isDirectory()) return builtFiles(rel);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [`dist/${rel.replace(/\.ts$/, '.js')}`] : [];
  });
}

beforeAll(async () => {
  if (!existsSync(path.join(repoRoot, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does)');
  dir = await mkdtemp(path.join(os.tmpdir(), 'dataarts-pack-'));
  emu = await startEmulator({ port: 0, seedJobs: 3 });
  // --ignore-scripts: dist/ is already built; `prepack` would rebuild it under the other suites' feet.
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
  const [result] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(dir, path.basename(result!.filename));
  packed = result!.files.map((f) => f.path).sort();
}, 60_000);

afterAll(async () => {
  await emu?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('npm package', () => {
  test('the tarball holds the bin, every built module and the docs, and nothing that points outside it', () => {
    expect(packed).toEqual(expect.arrayContaining(['package.json', 'README.md', '.dataartsrc.example', 'bin/dataarts.js', ...builtFiles()]));
    // Neither source maps (they name ../src/*.ts, which is not shipped) nor tsc's build cache, nor
    // the declarations the test type-check reads (a CLI has no typed API to offer).
    expect(packed.filter((f) => /\.map$|\.d\.ts$|tsbuildinfo/.test(f))).toEqual([]);
    expect(packed.filter((f) => /^(src|__tests__|bench|docs|node_modules)\//.test(f))).toEqual([]);
    expect(packed.filter((f) => f.endsWith('.tgz'))).toEqual([]);
  });

  test('installed from the tarball into an empty prefix, `dataarts` runs against the emulator', async () => {
    const prefix = path.join(dir, 'prefix');
    await run('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', tarball], {
      cwd: dir,
      maxBuffer: 16 * 1024 * 1024,
    });
    const installed = path.join(prefix, 'lib', 'node_modules', pkg.name);
    // The package's own files were unpacked from the tarball, not linked to this checkout.
    expect((await lstat(installed)).isSymbolicLink()).toBe(false);
    expect(realpathSync(path.join(prefix, 'bin', 'dataarts'))).toBe(path.join(realpathSync(installed), 'bin', 'dataarts.js'));
    expect(existsSync(path.join(installed, 'src'))).toBe(false);

    // A user's shell: the installed command on PATH, a home and a directory with no config in them.
    const home = await mkdtemp(path.join(dir, 'home-'));
    const env = { PATH: `${path.join(prefix, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`, HOME: home };
    const version = await run('dataarts', ['--version'], { cwd: home, env });
    expect(version.stdout.trim()).toBe(pkg.version);

    const list = await run('dataarts', ['jobs', 'list', '--json'], { cwd: home, env: { ...env, ...emulatorEnv(emu) } });
    const doc = JSON.parse(list.stdout) as { jobs: { name: string }[] };
    expect(doc.jobs.map((j) => j.name).sort()).toEqual([...emu.state.workspace('default')!.jobs.keys()].sort());
    expect(doc.jobs).toHaveLength(3);
  }, 120_000);
});
