/**
 * The `jobs` noun and its verbs: flags as in shared/docs/cli-contract.md. Each action imports its
 * runner lazily and hands it the context and typed options; the runner returns the exit code or
 * throws a DataartsError.
 */
import { Command, Option } from 'commander';
import type { Deps } from '../../context.js';
import type { JobsListOptions } from '../../commands/jobs-list.js';
import type { JobsExportOptions } from '../../commands/jobs-export.js';
import type { JobsExportWorkspaceOptions } from '../../commands/jobs-export-workspace.js';
import type { JobsImportOptions } from '../../commands/jobs-import.js';
import type { JobsRefsOptions } from '../../commands/jobs-refs.js';
import type { JobsDiffOptions } from '../../commands/jobs-diff.js';
import type { JobsTaskOptions } from '../../commands/jobs-task.js';
import type { JobsStartStopOptions } from '../../commands/jobs-start-stop.js';
import type { JobsUndoOptions } from '../../commands/jobs-undo.js';
import { collect, collectGlob, contextFor, positiveInt, positiveSeconds, type RunState } from '../action.js';
import { UsageError } from '../../errors.js';
import { resolve as resolvePath } from 'node:path';
import { retentionOptions } from '../retention-flags.js';

function exportCommonOptions(cmd: Command): Command {
  return cmd
    .option('--jobs-only', 'job definitions only, without their scripts and resources (exportDepend=false)', false)
    .addOption(new Option('--status <status>', 'development-state or submitted version (exportStatus)').choices(['develop', 'submit']).default('develop'))
    .option('--expression-time-zone <tz>', 'rewrite every expressionTimeZone to TZ (IANA name, GMT+H[:MM] or UTC)')
    .option('-o, --output <path>', 'archive path (.zip), or a directory with --layout dir')
    .addOption(new Option('--layout <layout>', 'one zip or an unpacked tree with the same paths').choices(['zip', 'dir']).default('zip'))
    .option('--force', 'replace an existing output', false)
    .option('--concurrency <n>', 'parallel export requests (default 4)', positiveInt('--concurrency'))
    .option('--fail-on-secrets', 'a secret found in the archive refuses it: exit 4, nothing written (not for backups: they warn)', false)
    .option('--secrets-baseline <file>', 'accepted secret fingerprints: the JSON that archive show prints when asked for secrets');
}

export function registerJobsCommands(jobs: Command, deps: Deps, state: RunState): void {

  jobs
    .command('list')
    .description('list the jobs of the workspace (BATCH and REAL_TIME) with status and last update')
    .option('--match <glob>', 'only jobs whose name matches (repeatable)', collectGlob, [])
    .option('--json', 'print one JSON document')
    .addHelpText('after', `
Examples:
  $ dataarts jobs list
  $ dataarts jobs list --match 'ods_*' --json | jq '.jobs[].name'`)
    .action(async (opts: JobsListOptions, cmd: Command) => {
      const { runJobsList } = await import('../../commands/jobs-list.js');
      state.exitCode = await runJobsList(contextFor(cmd, deps, state), opts);
    });

  exportCommonOptions(
    jobs
      .command('export')
      .description('export the selected jobs into one archive (batch-export layout)')
      .argument('[name...]', 'job names')
      .option('--match <glob>', 'jobs whose name matches (repeatable)', collectGlob, [])
      .option('--directory <path>', 'jobs under a job-directory path, recursively (repeatable)', collect, [])
      .option('--all', 'every job of the workspace', false)
      .option('--names-from <file>', "job names one per line ('-' = stdin; '#' comments; a path jobs/JOB/FILE means JOB)"),
  )
    .option('--json', 'print one JSON document')
    .addHelpText('after', `
Examples:
  $ dataarts jobs export daily_load hourly_sync -o two.zip
  $ dataarts jobs export --match 'ods_*' --directory /finance --jobs-only
  $ dataarts jobs export --all --expression-time-zone Europe/Paris -o all.zip
  $ dataarts jobs export --all --layout dir -o jobs/ --force    # refresh the tree kept in git
  $ git diff --name-only -- jobs/ | dataarts jobs export --names-from - -o changed.zip
  $ dataarts jobs export --all --fail-on-secrets --secrets-baseline accepted-secrets.json -o release.zip`)
    .action(async (names: string[], opts: Omit<JobsExportOptions, 'names'>, cmd: Command) => {
      const { runJobsExport } = await import('../../commands/jobs-export.js');
      state.exitCode = await runJobsExport(contextFor(cmd, deps, state), { ...opts, names });
    });

  const exportWorkspace = exportCommonOptions(
    jobs
      .command('export-workspace')
      .description("export the workspace's changed jobs (incremental backups; at most 10,000 jobs)")
      .option('--since <time>', 'jobs changed since an ISO 8601 time or a duration ago (24h, 7d, 30m)')
      .option('--state-file <path>', 'remember the last successful export and continue from it (a local path or obs://BUCKET/KEY)')
      .option('--full', 'every job of the workspace', false)
      .option('--full-every <duration>', 'with --state-file: start a new chain with a full archive when the current one is older than this', '7d'),
  );
  retentionOptions(exportWorkspace, 'with --state-file: keep the N newest restore points and every archive they need (without: the N newest complete archives this command wrote there)')
    .option('--json', 'print one JSON document')
    .addHelpText('after', `
Examples:
  $ dataarts jobs export-workspace --full -o backup.zip
  $ dataarts jobs export-workspace --since 24h
  $ dataarts jobs export-workspace --state-file /backups/state.json -o /backups/ --keep-daily 14 --keep-monthly 6 --quiet   # nightly cron
  $ dataarts jobs export-workspace --state-file obs://bucket/nightly/state.json -o obs://bucket/nightly/ --quiet   # off the machine
  $ dataarts backups restore --state-file /backups/state.json --at 2026-11-20 -o restore.zip`)
    .action(async (opts: JobsExportWorkspaceOptions, cmd: Command) => {
      const { runJobsExportWorkspace } = await import('../../commands/jobs-export-workspace.js');
      state.exitCode = await runJobsExportWorkspace(contextFor(cmd, deps, state), opts);
    });

  jobs
    .command('import')
    .description('import an archive (zip or directory) into the workspace, after pre-checks')
    .argument('[archive]', 'zip file or directory in the batch or single-job layout (none with --resume)')
    .addOption(new Option('--duplicate-policy <policy>', 'what to do with same-name jobs and scripts (sameNamePolicy)').choices(['skip', 'overwrite']).default('skip'))
    .addOption(new Option('--target-status <status>', 'status of the imported jobs (targetStatus)').choices(['saved', 'submitted', 'production']))
    .option('--approver <name>', 'approver (repeatable; approvers)', collect, [])
    .option('--execute-user <name>', 'user that runs the jobs (executeUser)')
    .option('--param <key=value>', 'parameter for every job (repeatable; params)', collect, [])
    .option('--job-param <job:key=value>', 'parameter for one job (repeatable; jobsParam)', collect, [])
    .option('--expression-time-zone <tz>', 'rewrite every expressionTimeZone before upload')
    .option('--obs-path <obs://bucket/prefix/>', 'where the archive is staged in OBS (default: profile obsStagingPath)')
    .option('--stop-running', 'stop same-name jobs that are not stopped before importing', false)
    .option('--dry-run', 'check everything and print the plan; upload and import nothing', false)
    .option('--keep-staged', 'leave the staged archive in OBS after the task ends', false)
    .option('--no-wait', 'print the task id and return without polling')
    .option('--timeout <seconds>', 'give up polling after this long', positiveSeconds('--timeout'), 600)
    .option('--env <name>', "apply the config file's environments.NAME map")
    .option('--map <kind:old=new>', 'rebind a reference (repeatable; wins over --env)', collect, [])
    .option('--rollback <path>', 'before an overwrite, save the jobs it replaces into this archive (default dataarts-rollback-{workspace}-{UTC time}.zip)')
    .option('--no-rollback', 'do not save the jobs an overwrite replaces')
    .option('--no-restart', 'leave the jobs --stop-running stopped stopped (default: start them again after a successful import)')
    .option('--no-verify', 'skip reading the imported jobs back and comparing them with what was staged')
    .option('--include-unchanged', "under overwrite, also stage and overwrite jobs equal to the workspace's (default: left alone, 'unchanged')", false)
    .option('--plan-out <path>', 'with --dry-run: save the plan (archive sha256, flags, per job the action and the workspace version planned against)')
    .option('--plan <plan>', 'apply a saved plan exactly (no ARCHIVE); refused (exit 4, nothing changed) if the archive or a planned job changed')
    .option('--journal <path>', 'where the release journal goes (default dataarts-release-{workspace}-{UTC time}.json beside the rollback archive)')
    .option('--resume <journal>', 'finish a release that was interrupted: follow its task, read back, start again what it stopped, remove its staged objects')
    .option('--json', 'print one JSON document')
    .addHelpText('after', `
Examples:
  $ dataarts jobs import jobs.zip --obs-path obs://my-bucket/staging/ --dry-run
  $ dataarts jobs import jobs.zip --duplicate-policy overwrite --stop-running --target-status submitted --approver alice
  $ dataarts jobs import jobs.zip --expression-time-zone Asia/Shanghai --env prod
  $ dataarts jobs import --resume dataarts-release-prod-20261202T101500Z.json`)
    .action(async (archive: string | undefined, opts: Omit<JobsImportOptions, 'archive'> & { resume?: string; plan?: string }, cmd: Command) => {
      const ctx = contextFor(cmd, deps, state);
      if (opts.resume !== undefined) {
        const { runJobsImportResume } = await import('../../commands/jobs-import-resume.js');
        state.exitCode = await runJobsImportResume(ctx, { journal: opts.resume, archive, timeout: opts.timeout });
        return;
      }
      const { runJobsImport } = await import('../../commands/jobs-import.js');
      if (opts.plan !== undefined) {
        // The plan fixes the archive and every flag that decides the plan; the rest (waiting,
        // timeout, rollback, restart, verify, journal, output) is this run's.
        if (archive !== undefined) throw new UsageError('--plan names the archive itself: give no ARCHIVE with it');
        if (opts.planOut !== undefined) throw new UsageError('--plan-out makes a plan and --plan applies one: give one of them');
        const { loadSavedPlan } = await import('../../import/saved-plan.js');
        const explicit = Object.keys(opts).filter((k) => cmd.getOptionValueSource(k) === 'cli');
        const savedPlan = await loadSavedPlan(resolvePath(ctx.deps.cwd, opts.plan), explicit);
        state.exitCode = await runJobsImport(ctx, { ...opts, ...(savedPlan.options as Partial<JobsImportOptions>), archive: savedPlan.archive.path, savedPlan });
        return;
      }
      state.exitCode = await runJobsImport(ctx, { ...opts, archive });
    });

  jobs
    .command('diff')
    .description('what importing an archive would change in the workspace, job by job')
    .argument('<archive>', 'zip file or directory in the batch or single-job layout')
    .argument('[name...]', 'only these jobs of the archive')
    .option('--match <glob>', 'only jobs whose name matches (repeatable)', collectGlob, [])
    .option('--env <name>', "apply the config file's environments.NAME map, as the import would")
    .option('--map <kind:old=new>', 'rebind a reference (repeatable; wins over --env)', collect, [])
    .option('--expression-time-zone <tz>', 'rewrite every expressionTimeZone, as the import would')
    .option('--exit-code', 'exit 8 when any job is new or changed', false)
    .option('--unified', 'show changed script content as a unified diff', false)
    .option('--all', "also list the workspace's jobs the archive lacks (only in workspace)", false)
    .option('--json', 'print one JSON document')
    .addHelpText('after', `
Examples:
  $ dataarts jobs diff release.zip --env prod
  $ dataarts jobs diff release.zip daily_load --unified
  $ dataarts jobs diff full-export.zip --all
  $ dataarts jobs diff release.zip daily_load --json | jq '.jobs[].changes[].path'
  $ dataarts jobs diff release.zip --exit-code || echo "the release changes prod"`)
    .action(async (archive: string, names: string[], opts: Omit<JobsDiffOptions, 'archive' | 'names'>, cmd: Command) => {
      const { runJobsDiff } = await import('../../commands/jobs-diff.js');
      state.exitCode = await runJobsDiff(contextFor(cmd, deps, state), { ...opts, archive, names });
    });

  jobs
    .command('task')
    .description('show an import task as jobs import reports it (status and one line per job)')
    .argument('<task-id>', 'the task id jobs import printed')
    .option('--wait', 'poll until the task ends', false)
    .option('--timeout <seconds>', 'with --wait: give up after this long', positiveSeconds('--timeout'), 600)
    .option('--json', 'print one JSON document')
    .addHelpText('after', `
Examples:
  $ dataarts jobs task 008aae2e675933c7016759418e870000
  $ dataarts jobs task "$(dataarts jobs import jobs.zip --no-wait)" --wait --timeout 1800`)
    .action(async (taskId: string, opts: Omit<JobsTaskOptions, 'taskId'>, cmd: Command) => {
      const { runJobsTask } = await import('../../commands/jobs-task.js');
      state.exitCode = await runJobsTask(contextFor(cmd, deps, state), { ...opts, taskId });
    });

  jobs
    .command('undo')
    .description("put a release's workspace back as it was before it, from the release journal")
    .argument('<journal>', 'the release journal (dataarts-release-….json) the import printed')
    .option('--delete-created', 'also delete the jobs the release created', false)
    .option('--timeout <seconds>', 'give up waiting (import task, job states) after this long', positiveSeconds('--timeout'), 600)
    .option('--json', 'print one JSON document')
    .addHelpText('after', `
Examples:
  $ dataarts jobs undo dataarts-release-prod-20261202T101500Z.json
  $ dataarts jobs undo dataarts-release-prod-20261202T101500Z.json --delete-created --json`)
    .action(async (journal: string, opts: Omit<JobsUndoOptions, 'journal'>, cmd: Command) => {
      const { runJobsUndo } = await import('../../commands/jobs-undo.js');
      state.exitCode = await runJobsUndo(contextFor(cmd, deps, state), { ...opts, journal });
    });

  for (const action of ['start', 'stop'] as const) {
    jobs
      .command(action)
      .description(action === 'start' ? 'start scheduling jobs and wait until the service reports them running' : 'stop scheduling jobs and wait until the service reports them STOPPED')
      .argument('[name...]', 'job names')
      .option('--match <glob>', 'jobs whose name matches (repeatable)', collectGlob, [])
      .option('--names-from <file>', "job names one per line ('-' = stdin; '#' comments)")
      .option('--no-wait', 'return once the service took the calls, without waiting for the state')
      .option('--timeout <seconds>', 'give up waiting after this long', positiveSeconds('--timeout'), 600)
      .option('--json', 'print one JSON document')
      .addHelpText('after', `
Examples:
  $ dataarts jobs ${action} daily_load hourly_sync
  $ dataarts jobs ${action} --match 'ods_*' --json`)
      .action(async (names: string[], opts: Omit<JobsStartStopOptions, 'names' | 'action'>, cmd: Command) => {
        const { runJobsStartStop } = await import('../../commands/jobs-start-stop.js');
        state.exitCode = await runJobsStartStop(contextFor(cmd, deps, state), { ...opts, names, action });
      });
  }

  jobs
    .command('refs')
    .description('list what each job and script refers to outside itself')
    .argument('[archive]', 'zip file or directory (or use --from-workspace)')
    .option('--from-workspace', 'read the jobs from the workspace instead of an archive', false)
    .option('--match <glob>', 'with --from-workspace: jobs whose name matches (repeatable)', collectGlob, [])
    .option('--json', 'print one JSON document')
    .addHelpText('after', `
Examples:
  $ dataarts jobs refs release.zip
  $ dataarts jobs refs release.zip --json | jq -r '.references[] | select(.kind=="connection") | .name' | sort -u
  $ dataarts jobs refs --from-workspace --match 'ods_*'`)
    .action(async (archive: string | undefined, opts: Omit<JobsRefsOptions, 'archive'>, cmd: Command) => {
      const { runJobsRefs } = await import('../../commands/jobs-refs.js');
      state.exitCode = await runJobsRefs(contextFor(cmd, deps, state), { ...opts, archive });
    });
}
