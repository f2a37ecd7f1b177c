/**
 * Every `$ dataarts …` example of every command's --help and every `dataarts …` line of the
 * README's command blocks runs against the emulator, with its placeholders filled from one table
 * (PLACEHOLDERS). Break one (rename a flag, change what it prints) and the test fails naming it.
 * An example this test cannot run must be listed in NOT_RUN with the reason, and a listed one
 * that no longer exists fails too, so the list cannot go stale.
 *
 * Fast: the CLI runs in-process (runCli), one emulator; the examples of one help text or README
 * block run in order in their own copy of a prepared directory, the blocks concurrently. Only
 * the rest of a pipeline (`| jq …`, `git diff … |`) runs in bash.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { runCli } from '../helpers/cli.js';
import { emulatorEnv } from '../helpers/emulator-env.js';

// ~45 examples, 10 CPU seconds: far over a minute when other jobs load the machine.
jest.setTimeout(180_000);

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

interface Example {
  /** Where it was read: `jobs export --help` or `README.md:line`. */
  source: string;
  /** Examples of one source run in order, in one directory. */
  group: string;
  text: string;
}

/** Examples this test does not run, and why. Keys are the example text as written. */
const NOT_RUN: Record<string, string> = {
  'sleep 1; . ./emulator.env; dataarts jobs list': 'reads the environment file the background emulator above writes',
  "echo 'source <(dataarts completion zsh)' >> ~/.zshrc": "appends to the reader's ~/.zshrc (completion zsh runs in completion.test.ts)",
  'dataarts emulator --seed-jobs 250 > emulator.env &': 'a background server for the reader\'s shell (the emulator command has its own tests)',
  'dataarts emulator --seed-jobs 250 --workspace prod > emulator.env &': 'a background server for the reader\'s shell',
  'dataarts emulator --seed-jobs 20 --seed-workspace dev --connection prod:prod_dws:DWS --connection prod:prod_dli:DLI --connection prod:prod_hive:HIVE --connection prod:prod_spark:SparkSQL --connection prod:prod_rds:RDS > emulator.env &': 'a background server for the reader\'s shell',
};

/** Exit codes other than 0 that an example is expected to give. */
const EXPECTED_EXIT: Record<string, number[]> = {
  // `|| echo …`: 8 when the release would change the target.
  'dataarts jobs diff release.zip --exit-code || echo "the release changes prod"': [0, 8],
};

/** Shell run in a group's directory before its examples (what the reader is assumed to have done). */
const GROUP_SETUP: Record<string, string> = {
  // `git diff --name-only -- jobs/ | …`: one job of the tree kept in git was edited.
  'jobs export': 'sed -i "s/\\"description\\": \\"[^\\"]*\\"/\\"description\\": \\"edited\\"/" jobs/jobs/job_00003/job_00003.job',
};
/** Groups whose target workspace starts empty (an import with --no-wait then has a task to print). */
const EMPTY_TARGET = new Set(['jobs task']);
/**
 * Where the examples that name a release journal (`--resume`, `jobs undo`) find one: before its
 * examples, such a group releases a copy of dev's jobs over its older target copy (overwriting, so there
 * is a rollback archive to undo with).
 */
const JOURNAL = 'journal.json';

function helpExamples(command: string, help: string): Example[] {
  return [...help.matchAll(/^ {2}(?:\w+ +)?\$ (.*dataarts .*)$/gm)].map((m) => ({ source: `${command || 'dataarts'} --help`, group: command || 'dataarts', text: stripComment(m[1]!) }));
}

function readmeExamples(): Example[] {
  const out: Example[] = [];
  const lines = readme.split('\n');
  let block: number | undefined;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (line.startsWith('```')) {
      block = block === undefined ? i + 1 : undefined;
      continue;
    }
    if (block === undefined) continue;
    // A crontab line: the command after the five time fields.
    const command = /^(?:[\d*]+ [\d*]+ [\d*]+ [\d*]+ [\d*]+ )?(dataarts .*)$/.exec(line)?.[1];
    if (!command) continue;
    let text = stripComment(command);
    while (text.endsWith('\\')) text = `${text.slice(0, -1).trimEnd()} ${stripComment(lines[++i]!.trim())}`;
    out.push({ source: `README.md:${i + 1}`, group: `README.md:${block}`, text });
  }
  return out;
}

/** Cut a trailing `# comment` (outside quotes). */
function stripComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quote) quote = c === quote ? undefined : quote;
    else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && /\s/.test(text[i - 1] ?? ' ')) return text.slice(0, i).trimEnd();
  }
  return text.trimEnd();
}

// ---- Running one example ----

/** Every connection dev's jobs name, and what the prod environment maps them to. */
const CONNECTIONS = ['dws', 'dli', 'hive', 'spark', 'rds'].flatMap((k) => [`dev_${k}`, `prod_${k}`]);

let emu: Emulator;
let template: string;
let work: string;
let taskId: string;
/** The start times of the prepared backups' two nights. */
let nights: string[] = [];
const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

/**
 * The one table of placeholders: names, paths and times the examples use, and what stands for
 * them here. `TARGET` is the example group's own target workspace (so groups import concurrently).
 */
function fill(text: string): string {
  const table: [string | RegExp, string][] = [
    ['/releases/prod-before-$(date -u +%Y%m%dT%H%M%SZ).zip', 'releases/prod-before.zip'],
    ['/releases/prod-before-….zip', 'releases/prod-before.zip'],
    ['full-export.zip', 'jobs.zip'],
    ['/backups/state.json', 'backups/state.json'],
    [' -o /backups/', ' -o backups/'],
    [/(^|\s)\/backups\//g, '$1backups/'],
    // Two nights of the prepared backups (a duration ago would find none: they are minutes old).
    [' 2d 1d', ` ${nights[0]} ${nights[1]}`],
    [/obs:\/\/(?:my-)?bucket\/staging\//g, 'obs://dataarts-staging/staging/'],
    // Each group its own OBS prefix: two groups' backups on one state file would (rightly) meet its lock.
    [/obs:\/\/bucket\//g, 'obs://dataarts-staging/TARGET/'],
    ['$DEV_WS', 'dev'],
    ['$PROD_WS', 'TARGET'],
    [/--workspace prod\b/g, '--workspace TARGET'],
    [/\b(?:daily_load|load_sales)\b/g, 'job_00001'],
    [/\bhourly_sync\b/g, 'job_00002'],
    [/'(?:sales|etl|ods)_\*'/g, "'job_0000*'"],
    [/\bTASK_ID\b|\b008aae2e675933c7016759418e870000\b/g, taskId],
    // The release journal a group's own release wrote (see JOURNAL below).
    [/(?:\/releases\/)?dataarts-release-prod-\S*?\.json/g, JOURNAL],
    [/\bjobs (stop|start) a b\b/g, 'jobs $1 job_00001 job_00002'],
    [/--at 2026-11-\d\d(?:T\d\d:\d\dZ)?/g, `--at ${tomorrow}`],
    ['~/.local/share/bash-completion/completions/dataarts', 'dataarts.bash'],
    ['~/.config/fish/completions/dataarts.fish', 'dataarts.fish'],
  ];
  let out = text;
  for (const [from, to] of table) out = typeof from === 'string' ? out.split(from).join(to) : out.replace(from, to);
  return out.replace(/\bTARGET\b/g, `${'$'}TARGET`);
}

/** Shell words of a simple command (quotes, no expansion but $TARGET). */
function words(command: string, target: string): string[] {
  const out: string[] = [];
  for (const m of command.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) out.push((m[1] ?? m[2] ?? m[3]!).replace('$TARGET', target));
  return out;
}

/** Split a command line on top-level `|` (not `||`), outside quotes. */
function pipeline(text: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quote) quote = c === quote ? undefined : quote;
    else if (c === '"' || c === "'") quote = c;
    else if (c === '|' && text[i + 1] !== '|' && text[i - 1] !== '|') {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

function bash(script: string, cwd: string, stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('bash', ['--norc', '--noprofile', '-c', `set -o pipefail; ${script}`], { cwd, env: { PATH: process.env.PATH ?? '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
    // A script that reads no input may exit before its stdin is written: that EPIPE is no failure.
    child.stdin!.on('error', () => {});
    child.stdin!.end(stdin);
  });
}

interface Outcome { code: number; stderr: string }

/** Run one example in `cwd`: each `&&` step in turn, stopping at the first that fails. */
async function runExample(text: string, cwd: string, target: string): Promise<Outcome> {
  let last: Outcome = { code: 0, stderr: '' };
  for (const step of fill(text).split(' && ')) {
    last = await runStep(step, cwd, target);
    if (last.code !== 0) return last;
  }
  return last;
}

/** One command line: the dataarts part in-process, what is piped in or out in bash. */
async function runStep(filled: string, cwd: string, target: string): Promise<Outcome> {
  // `"$(dataarts …)"`: run the inner command first and put its output in its place.
  for (const m of filled.matchAll(/"\$\((dataarts [^)]*)\)"/g)) {
    const inner = await runOne(m[1]!, cwd, target, '');
    if (inner.code !== 0) return { code: inner.code, stderr: `in $(${m[1]}): ${inner.stderr}` };
    filled = filled.replace(m[0], inner.stdout.trim());
  }
  const orElse = filled.indexOf(' || ');
  const [main] = orElse >= 0 ? [filled.slice(0, orElse)] : [filled];
  const parts = pipeline(main!);
  const at = parts.findIndex((p) => p.startsWith('dataarts '));
  if (at < 0) return { code: -1, stderr: 'no `dataarts` command in the pipeline: list it in NOT_RUN' };
  const before = parts.slice(0, at).join(' | ');
  const after = parts.slice(at + 1).join(' | ');
  const stdin = before ? (await bash(before, cwd)).stdout : '';
  const r = await runOne(parts[at]!, cwd, target, stdin);
  if (!after) return r;
  const tail = await bash(after, cwd, r.stdout);
  return { code: r.code !== 0 ? r.code : tail.code, stderr: r.stderr + tail.stderr };
}

async function runOne(command: string, cwd: string, target: string, stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const redirect = /^(.*?)\s+(>>?)\s+(\S+)\s*$/.exec(command);
  const argv = words(redirect ? redirect[1]! : command, target).slice(1);
  // Reading commands read dev; what changes a workspace (or follows a change) goes to the group's target.
  const writes = ['import', 'diff', 'task', 'start', 'stop', 'undo'].includes(argv[1] ?? '') && argv[0] === 'jobs';
  const env = emulatorEnv(emu, { DATAARTS_WORKSPACE: writes ? target : 'dev' });
  // A server runs until Ctrl-C: stop it once it is up (its flags parsed, it listened and printed
  // where), or after 5 s if it never says so (the example then fails on what it printed).
  const stop = argv[0] === 'emulator' ? new AbortController() : undefined;
  const timer = stop ? setTimeout(() => stop.abort(), 5000) : undefined;
  const r = await runCli(argv, { env, cwd, stdin, ...(stop ? { signal: stop.signal, onStdout: () => stop.abort() } : {}) });
  clearTimeout(timer);
  if (redirect && redirect[3] !== '/dev/null') await fs.writeFile(path.join(cwd, redirect[3]!), r.stdout, { flag: redirect[2] === '>>' ? 'a' : 'w' });
  return r;
}

// ---- The prepared directory ----

beforeAll(async () => {
  // No per-user request limits: some 30 groups run at once against this one emulator, as no single
  // user would, and their 429 back-offs were three quarters of this file's time (19.9 → 5.9 s).
  // Pacing and 429 handling have their own tests (client/http.test.ts, export/export-faults.test.ts).
  emu = await startEmulator({ seedJobs: 8, seedWorkspace: 'dev', importDelayMs: 1, workspaces: ['tasks'], rateLimits: false });
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'dataarts-examples-'));
  template = path.join(work, 'template');
  await fs.mkdir(path.join(template, 'releases'), { recursive: true });
  await fs.writeFile(path.join(template, '.dataartsrc.yaml'), [
    'defaultProfile: examples',
    'profiles:',
    "  examples: {obsStagingPath: 'obs://dataarts-staging/examples/'}",
    'environments:',
    '  prod:',
    '    connections: {dev_dws: prod_dws, dev_dli: prod_dli, dev_hive: prod_hive, dev_spark: prod_spark, dev_rds: prod_rds}',
    '',
  ].join('\n'));
  const env = emulatorEnv(emu, { DATAARTS_WORKSPACE: 'dev' });
  const prepare = async (argv: string[]) => {
    const r = await runCli(argv, { env, cwd: template });
    if (r.code !== 0) throw new Error(`preparing: dataarts ${argv.join(' ')}: exit ${r.code}: ${r.stderr}`);
    return r;
  };
  await prepare(['jobs', 'export', '--all', '-o', 'jobs.zip', '--quiet']);
  await fs.copyFile(path.join(template, 'jobs.zip'), path.join(template, 'release.zip'));
  await fs.copyFile(path.join(template, 'jobs.zip'), path.join(template, 'journal-release.zip'));
  // The secrets baseline the export examples accept (what `archive show --secrets --json` prints).
  await fs.writeFile(path.join(template, 'accepted-secrets.json'), (await prepare(['archive', 'show', 'jobs.zip', '--secrets', '--json'])).stdout);
  await prepare(['jobs', 'export', '--all', '--layout', 'dir', '-o', 'jobs', '--quiet']);
  await fs.mkdir(path.join(template, 'backups'));
  await prepare(['jobs', 'export-workspace', '--state-file', 'backups/state.json', '-o', 'backups/', '--quiet']);
  await prepare(['jobs', 'export-workspace', '--state-file', 'backups/state.json', '-o', 'backups/', '--quiet']);
  nights = (JSON.parse(await fs.readFile(path.join(template, 'backups/state.json'), 'utf8')) as { runs: { startedAt: string }[] }).runs.map((r) => r.startedAt);
  // A git repository holding the tree (for `git diff --name-only | …`).
  const git = await bash('git init -q . && git add -A && git -c user.name=t -c user.email=t@t commit -qm tree', template);
  if (git.code !== 0) throw new Error(`preparing git: ${git.stderr}`);
  for (const c of CONNECTIONS) emu.state.addConnection('tasks', { name: c, type: 'DWS' });
  const task = await runCli(['jobs', 'import', 'jobs.zip', '--obs-path', 'obs://dataarts-staging/examples-task/', '--no-wait'], { env: emulatorEnv(emu, { DATAARTS_WORKSPACE: 'tasks' }), cwd: template });
  if (task.code !== 0) throw new Error(`preparing a task: ${task.stderr}`);
  taskId = task.stdout.trim();
});

afterAll(async () => {
  await emu?.close();
  if (work) await fs.rm(work, { recursive: true, force: true });
});

/** The template's directories and files (relative), listed once: `.git` and what is under it apart. */
let templateListing: { dirs: string[]; files: string[]; gitDirs: string[]; gitFiles: string[] } | undefined;

/**
 * A copy of the template in `dir` (with its git repository when `withGit`): the listing read once,
 * then one copyFile per file. (fs.cp stats and checks every path again for each of the ~30 copies:
 * 2.4 times the CPU of this.)
 */
async function copyTemplate(dir: string, withGit: boolean): Promise<void> {
  if (!templateListing) {
    const listing = { dirs: [] as string[], files: [] as string[], gitDirs: [] as string[], gitFiles: [] as string[] };
    const walk = async (rel: string, inGit: boolean): Promise<void> => {
      for (const e of await fs.readdir(path.join(template, rel), { withFileTypes: true })) {
        const r = path.join(rel, e.name);
        const git = inGit || (rel === '' && e.name === '.git');
        if (e.isDirectory()) {
          (git ? listing.gitDirs : listing.dirs).push(r);
          await walk(r, git);
        } else if (e.isFile()) {
          (git ? listing.gitFiles : listing.files).push(r);
        } else {
          throw new Error(`the template holds ${r}, neither a file nor a directory: copyTemplate copies only those`);
        }
      }
    };
    await walk('', false);
    templateListing = listing;
  }
  const { dirs, files, gitDirs, gitFiles } = templateListing;
  await fs.mkdir(dir);
  // Parents first: the walk lists a directory before what is under it.
  for (const d of [...dirs, ...(withGit ? gitDirs : [])]) await fs.mkdir(path.join(dir, d));
  await Promise.all([...files, ...(withGit ? gitFiles : [])].map((f) => fs.copyFile(path.join(template, f), path.join(dir, f))));
}

let helpTexts: Map<string, string> | undefined;
/** Every command path's help text (`dataarts`, `jobs`, `jobs export`, …). */
async function allHelp(): Promise<Map<string, string>> {
  if (helpTexts) return helpTexts;
  const texts = new Map<string, string>();
  const visit = async (command: string[]) => {
    const help = (await runCli([...command, '--help'])).stdout;
    texts.set(command.join(' '), help);
    const section = help.split('\n\n').find((p) => p.startsWith('Commands:')) ?? '';
    const subs = [...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!).filter((s) => s !== 'help');
    await Promise.all(subs.map((s) => visit([...command, s])));
  };
  await visit([]);
  helpTexts = texts;
  return texts;
}

let examples: Example[] = [];
function groups(): string[] {
  return [...new Set(examples.map((e) => e.group))];
}
function targetOf(group: string): string {
  return `t${groups().indexOf(group)}`;
}

describe('examples that run', () => {
  test('every --help example and README command is found (and NOT_RUN names only existing ones)', async () => {
    const help = await allHelp();
    examples = [...[...help].flatMap(([command, text]) => helpExamples(command, text)), ...readmeExamples()];
    expect(help.size).toBeGreaterThan(15);
    expect(examples.length).toBeGreaterThan(40);
    // Both failing examples of issue 16 are among them.
    expect(examples.map((e) => e.text)).toEqual(expect.arrayContaining([
      "git diff --name-only -- jobs/ | dataarts jobs export --names-from - -o changed.zip",
      "dataarts archive show jobs/ --json | jq '.jobs[] | select(.missingScripts != [])'",
    ]));
    const texts = new Set(examples.map((e) => e.text));
    expect(Object.keys(NOT_RUN).filter((t) => !texts.has(t))).toEqual([]);
  });

  test('each runs against the emulator with its placeholders filled', async () => {
    expect(examples.length).toBeGreaterThan(40);
    // Each group imports into its own target workspace: every connection needed, and an older
    // copy of dev's jobs, stopped (so an overwrite has something to roll back).
    const dev = emu.state.workspace('dev');
    for (const group of groups()) {
      const target = targetOf(group);
      emu.state.addWorkspace(target);
      for (const c of CONNECTIONS) emu.state.addConnection(target, { name: c, type: 'DWS' });
      if (EMPTY_TARGET.has(group)) continue;
      for (const s of dev.scripts.values()) emu.state.putScript(target, s.text);
      for (const j of dev.jobs.values()) emu.state.putJob(target, j.text.replace('"description": "', '"description": "older: '), { status: 'STOPPED' });
    }
    const failures: string[] = [];
    await Promise.all(groups().map(async (group) => {
      const dir = path.join(work, `g-${targetOf(group)}`);
      // The template's git repository only where an example runs git (copying it is most of a copy's cost).
      const usesGit = examples.some((e) => e.group === group && /\bgit /.test(e.text));
      await copyTemplate(dir, usesGit);
      // A file the group writes with -o starts absent (an existing output is refused, rightly).
      const own = examples.filter((e) => e.group === group);
      for (const e of own) {
        for (const m of fill(e.text).matchAll(/ -o (\S+\.zip)\b/g)) {
          for (const f of [m[1]!, `${m[1]!}.manifest.json`]) await fs.rm(path.join(dir, f), { force: true });
        }
      }
      if (own.some((e) => /dataarts-release-/.test(e.text))) {
        const env = emulatorEnv(emu, { DATAARTS_WORKSPACE: targetOf(group) });
        const release = await runCli(['jobs', 'import', 'journal-release.zip', '--duplicate-policy', 'overwrite', '--journal', JOURNAL, '--quiet'], { env, cwd: dir });
        if (release.code !== 0) failures.push(`${group}: the release writing ${JOURNAL} failed: ${release.stderr}`);
      }
      const setup = GROUP_SETUP[group] === undefined ? undefined : await bash(GROUP_SETUP[group]!, dir);
      if (setup && setup.code !== 0) failures.push(`${group}: setup failed: ${setup.stderr}`);
      for (const example of own) {
        if (NOT_RUN[example.text] !== undefined) continue;
        const r = await runExample(example.text, dir, targetOf(group)).catch((err: unknown) => ({ code: -1, stderr: String(err) }));
        const expected = EXPECTED_EXIT[example.text] ?? [0];
        if (!expected.includes(r.code)) failures.push(`${example.source}: ${example.text}\n  → exit ${r.code}: ${r.stderr.trim().split('\n').slice(0, 3).join(' / ')}`);
      }
    }));
    expect(failures).toEqual([]);
  });
});
