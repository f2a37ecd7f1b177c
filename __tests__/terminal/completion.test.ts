/**
 * `dataarts completion bash|zsh|fish`: the bash script is sourced in a real bash and asked what a
 * user's TAB would get; zsh and fish scripts are syntax-checked when those shells are installed.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dataarts-completion-'));
const scripts: Record<string, string> = {};

function hasShell(shell: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${shell}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  for (const shell of ['bash', 'zsh', 'fish']) {
    const r = await runCli(['completion', shell]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    scripts[shell] = path.join(dir, `dataarts.${shell}`);
    writeFileSync(scripts[shell]!, r.stdout);
  }
});

/**
 * What bash's TAB offers after each word list (the last word is the one being completed): one
 * bash sources the script once and answers them all, one block per query.
 */
function tabs(...queries: string[][]): string[][] {
  const run = queries.map((words) => {
    const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
    return `COMP_WORDS=(${quoted}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); COMPREPLY=(); _dataarts; printf '%s\\n' "\${COMPREPLY[@]}" '--end--'`;
  }).join('; ');
  const out = execFileSync('bash', ['--norc', '--noprofile', '-c', `source '${scripts.bash}'; ${run}`], { encoding: 'utf8', cwd: dir });
  return out.split('--end--\n').slice(0, queries.length).map((block) => block.split('\n').filter((l) => l !== ''));
}

function tab(...words: string[]): string[] {
  return tabs(words)[0]!;
}

describe('bash', () => {
  test('dataarts jobs ex<TAB> → export export-workspace', () => {
    expect(tab('dataarts', 'jobs', 'ex')).toEqual(['export', 'export-workspace']);
  });

  test('--layout <TAB> → zip dir', () => {
    expect(tab('dataarts', 'jobs', 'export', '--layout', '')).toEqual(['zip', 'dir']);
  });

  test('fixed values of --duplicate-policy, --status, --target-status and the map kinds', () => {
    expect(tabs(
      ['dataarts', 'jobs', 'import', 'a.zip', '--duplicate-policy', ''],
      ['dataarts', '--json', 'jobs', 'export', '-o', 'x.zip', '--status', ''],
      ['dataarts', 'jobs', 'import', 'a.zip', '--target-status', 'p'],
      ['dataarts', 'jobs', 'import', 'a.zip', '--map', 'cdm'],
    )).toEqual([['skip', 'overwrite'], ['develop', 'submit'], ['production'], ['cdm-cluster:', 'cdm-job:']]);
  });

  test('commands, flags of a command with the global ones, and the shells of completion', () => {
    const [top, archiveShow, list, listWork, completion] = tabs(['dataarts', ''], ['dataarts', 'archive', 'show', '--j'], ['dataarts', 'jobs', 'list', '--ma'], ['dataarts', 'jobs', 'list', '--work'], ['dataarts', 'completion', '']);
    expect(top).toEqual(expect.arrayContaining(['jobs', 'archive', 'emulator', 'quickstart', 'completion']));
    expect(archiveShow).toEqual(['--json']);
    expect(list).toEqual(['--match']);
    expect(listWork).toEqual(['--workspace']);
    expect(completion).toEqual(['bash', 'zsh', 'fish']);
  });

  test('every flag of jobs export is offered (generated from the tree, so it cannot drift)', async () => {
    const full = (await runCli(['jobs', 'export', '--help'])).stdout;
    const help = full.slice(full.indexOf('Options:'), full.indexOf('Examples:'));
    const flags = [...help.matchAll(/(?:^|\s)(--[a-z][a-z-]*)/gm)].map((m) => m[1]!);
    const offered = tab('dataarts', 'jobs', 'export', '--');
    for (const flag of new Set(flags)) expect(offered).toContain(flag);
  });
});

describe('zsh and fish', () => {
  const zsh = hasShell('zsh') ? test : test.skip;
  const fish = hasShell('fish') ? test : test.skip;
  zsh('zsh -n accepts the zsh script', () => {
    execFileSync('zsh', ['-n', scripts.zsh!]);
  });
  fish('fish -n accepts the fish script, and fish completes jobs ex', () => {
    execFileSync('fish', ['-n', scripts.fish!]);
    const out = execFileSync('fish', ['--no-config', '-c', `source '${scripts.fish}'; complete -C 'dataarts jobs ex'`], { encoding: 'utf8' });
    expect(out.split('\n').map((l) => l.split('\t')[0]).filter(Boolean)).toEqual(['export', 'export-workspace']);
  });
});
