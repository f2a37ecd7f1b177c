/**
 * The quick start: a real round trip through the CLI's own commands against the embedded emulator.
 * Each step is the same `run()` a user's shell would reach, with the environment a user would set.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CommandContext } from '../context.js';
import type { Deps } from '../context.js';
import { ExitCode } from '../errors.js';
import { count } from '../output/plural.js';
import { launcherCommand } from './quickstart-launcher.js';

export interface QuickstartOptions {
  jobs: number;
  keep: boolean;
  /** The script the user ran (process.argv[1]), to print commands they can type again. */
  script?: string;
}

/** The CLI's own entry point, handed in by the CLI layer (the runner must not import it back). */
export type RunCli = (argv: string[], deps: Partial<Deps>) => Promise<number>;

export interface QuickstartDeps {
  runCli: RunCli;
}

export async function runQuickstart(ctx: CommandContext, opts: QuickstartOptions, { runCli }: QuickstartDeps): Promise<number> {
  const { startEmulator } = await import('../emulator/index.js');
  const { ui } = ctx;
  const workdir = await mkdtemp(path.join(os.tmpdir(), 'dataarts-quickstart-'));
  // With --keep the emulator's state is saved beside the archive, so the steps can be run again.
  const stateDir = path.join(workdir, 'emulator-state');
  const emu = await startEmulator({ seedJobs: opts.jobs, seedWorkspace: 'dev', workspaces: ['dev', 'prod'], ...(opts.keep ? { dataDir: stateDir } : {}) });
  const cli = launcherCommand({ pathVar: ctx.deps.env.PATH, cwd: ctx.deps.cwd, script: opts.script });
  const configFile = path.join(workdir, '.dataartsrc.yaml');
  try {
    ui.info(`Emulator listening on ${emu.url} with ${count(opts.jobs, 'job')} in workspace 'dev' and none in 'prod'.`);
    const c = emu.credentials;
    const env: Record<string, string | undefined> = {
      PATH: ctx.deps.env.PATH,
      NO_COLOR: ctx.deps.env.NO_COLOR,
      DATAARTS_ENDPOINT: emu.url,
      DATAARTS_IAM_ENDPOINT: emu.url,
      DATAARTS_OBS_ENDPOINT: emu.url,
      DATAARTS_PROJECT_ID: c.projectId,
      HUAWEICLOUD_SDK_AK: c.ak,
      HUAWEICLOUD_SDK_SK: c.sk,
    };
    // The target workspace names its data connections differently (prod_* instead of dev_*), as
    // real ones do: the environment map in the config file rebinds them on import.
    const { SEED_CONNECTIONS } = await import('../emulator/seed.js');
    const connections: Record<string, string> = {};
    for (const conn of SEED_CONNECTIONS) {
      const prodName = conn.name.replace(/^dev_/, 'prod_');
      emu.state.addConnection('prod', { ...conn, name: prodName });
      connections[conn.name] = prodName;
    }
    const configLines = ['environments:', '  prod:', '    connections:', ...Object.entries(connections).map(([from, to]) => `      ${from}: ${to}`)];
    await writeFile(configFile, `${configLines.join('\n')}\n`, { mode: 0o600 });
    ui.info(`Wrote ${configFile} with an environment map 'prod' (dev_* connections → prod_*).`);
    const archive = path.join(workdir, 'dev-jobs.zip');
    const steps: { title: string; workspace: string; argv: string[] }[] = [
      { title: 'List some jobs of the source workspace', workspace: 'dev', argv: ['jobs', 'list', '--match', 'job_0000*'] },
      { title: 'Export every job (with scripts and resources) into one archive', workspace: 'dev', argv: ['jobs', 'export', '--all', '-o', archive, '--force', '--no-progress'] },
      { title: 'Check the import into the target workspace, changing nothing', workspace: 'prod', argv: ['jobs', 'import', archive, '--env', 'prod', '--config', configFile, '--obs-path', `obs://${c.bucket}/quickstart/`, '--dry-run'] },
      { title: 'Import: stage in OBS, start the import, wait for the task', workspace: 'prod', argv: ['jobs', 'import', archive, '--env', 'prod', '--config', configFile, '--obs-path', `obs://${c.bucket}/quickstart/`, '--no-progress'] },
      { title: 'The jobs are now in the target workspace', workspace: 'prod', argv: ['jobs', 'list', '--match', 'job_0000*'] },
    ];
    for (const [i, step] of steps.entries()) {
      ui.info(`\n[${i + 1}/${steps.length}] ${step.title}`);
      ui.info(`$ DATAARTS_WORKSPACE=${step.workspace} ${cli} ${step.argv.map(shellQuote).join(' ')}`);
      const code = await runCli(step.argv, { io: ctx.deps.io, env: { ...env, DATAARTS_WORKSPACE: step.workspace }, cwd: workdir, signal: ctx.deps.signal });
      if (code !== ExitCode.OK) {
        ui.error(`quick start step ${i + 1} failed with exit code ${code}`);
        return code;
      }
    }
    ui.info(`\nDone: ${count(opts.jobs, 'job')} went from workspace 'dev' to 'prod' through export, OBS staging and import.`);
    if (opts.keep) {
      const port = new URL(emu.url).port;
      ui.info(`\nKept in ${workdir}: the archive, its manifest, the config file and the emulator's state (emulator-state/).`);
      ui.info('To run the steps again yourself, start the emulator on that state and set its environment:');
      ui.info(`$ ${cli} emulator --data-dir ${shellQuote(stateDir)} --port ${port} &`);
      for (const [key, value] of Object.entries(env)) if (key !== 'PATH' && key !== 'NO_COLOR' && value !== undefined) ui.info(`export ${key}=${shellQuote(value)}`);
      ui.info('then any step above, e.g.');
      ui.info(`$ DATAARTS_WORKSPACE=prod ${cli} jobs list`);
    }
    return ExitCode.OK;
  } finally {
    await emu.close();
    if (!opts.keep) await rm(workdir, { recursive: true, force: true });
  }
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
