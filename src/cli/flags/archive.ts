/** The `archive` noun: looking into an archive without contacting the service. */
import type { Command } from 'commander';
import type { Deps } from '../../context.js';
import type { ArchiveShowOptions } from '../../commands/archive-show.js';
import { contextFor, type RunState } from '../action.js';

export function registerArchiveCommands(archive: Command, deps: Deps, state: RunState): void {
  archive
    .command('show')
    .description('jobs (type, nodes, scripts and resources), loose scripts and resources; verified against {archive}.manifest.json when present')
    .argument('<archive>', 'zip file or directory, batch or single-job layout')
    .option('--secrets', 'also list the secrets it holds: file, JSON path or script line, kind, fingerprint (never the value)', false)
    .option('--secrets-baseline <file>', 'with --secrets: leave out accepted fingerprints')
    .option('--json', 'print one JSON document')
    .addHelpText('after', `
Exit 4 when the archive or an entry does not match the sha256 in its manifest.

Examples:
  $ dataarts archive show jobs.zip
  $ dataarts archive show jobs/ --json | jq '.jobs[] | select(.missingScripts != [])'
  $ dataarts archive show jobs.zip --secrets --json > secrets-baseline.json   # accept what it holds now
  $ dataarts jobs export --all --fail-on-secrets --secrets-baseline secrets-baseline.json`)
    .action(async (path: string, opts: Omit<ArchiveShowOptions, 'archive'>, cmd: Command) => {
      const { runArchiveShow } = await import('../../commands/archive-show.js');
      state.exitCode = await runArchiveShow(contextFor(cmd, deps, state), { ...opts, archive: path });
    });
}
