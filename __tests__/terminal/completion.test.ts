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

/** What bash's TAB offers after `words` (the last one is the word being completed). */
function tab(...words: string[]): string[] {
  const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  const out = execFileSync('bash', ['--norc', '--noprofile', '-c', `source '${scripts.bash}'; COMP_WORDS=(${quoted}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); COMPREPLY=(); _dataarts; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8', cwd: dir });
  return out.split('\n').filter((l) => l !== '');
}

describe('bash', () => {
  test('dataarts jobs ex<TAB> → export export-workspace', () => {
    expect(tab('dataarts', 'jobs', 'ex')).toEqual(['export', 'export-workspace']);
  });

  test('--layout <TAB> → zip dir', () => {
    expect(tab('dataarts', 'jobs', 'export', '--layout', '')).toEqual(['zip', 'dir']);
  });

  test('fixed values of --duplicate-policy, --status, --target-status and the map kinds', () => {
    expect(tab('dataarts', 'jobs', 'import', 'a.zip', '--duplicate-policy', '')).toEqual(['skip', 'overwrite']);
    expect(tab('dataarts', '--json', 'jobs', 'export', '-o', 'x.zip', '--status', '')).toEqual(['develop', 'submit']);
    expect(tab('dataarts', 'jobs', 'import', 'a.zip', '--target-status', 'p')).toEqual(['production']);
    expect(tab('dataarts', 'jobs', 'import', 'a.zip', '--map', 'cdm')).toEqual(['cdm-cluster:', 'cdm-job:']);
  });

  test('commands, flags of a command with the global ones, and the shells of completion', () => {
    expect(tab('dataarts', '')).toEqual(expect.arrayContaining(['jobs', 'archive', 'emulator', 'quickstart', 'completion']));
    expect(tab('dataarts', 'archive', 'show', '--j')).toEqual(['--json']);
    expect(tab('dataarts', 'jobs', 'list', '--ma')).toEqual(['--match']);
    expect(tab('dataarts', 'jobs', 'list', '--work')).toEqual(['--workspace']);
    expect(tab('dataarts', 'completion', '')).toEqual(['bash', 'zsh', 'fish']);
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
