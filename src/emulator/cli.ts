/** Runner of `dataarts emulator`: start, print the URL and credentials, serve until a signal. */
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { CommandContext } from '../context.js';
import { printJson, printLines } from '../output/render.js';
import type { FaultKind } from './faults.js';
import { startEmulator, type Emulator } from './index.js';
import type { OffsetReading } from './service-readings.js';

/** `WS:NAME[:TYPE]` → a connection to create (TYPE defaults to DWS). */
export function parseConnectionFlag(value: string): { workspace: string; name: string; type: string } {
  const m = /^([^:]+):([A-Za-z0-9_-]{1,100})(?::([A-Za-z0-9_]+))?$/.exec(value);
  if (!m) throw new UsageError(`--connection: expected WS:NAME[:TYPE] (NAME: letters, digits, - and _), got '${value}'`);
  return { workspace: m[1]!, name: m[2]!, type: m[3] ?? 'DWS' };
}

/** Flags of `dataarts emulator`. */
export interface EmulatorCommandOptions {
  port: number;
  host: string;
  seedJobs: number;
  seed: number;
  seedSecrets: boolean;
  workspace: string[];
  dataDir?: string;
  latencyMs: number;
  rateLimit: boolean;
  faultRate: number;
  faultKinds?: string;
  listPageCap: number;
  listOffset: OffsetReading;
  seedWorkspace: string;
  connection: string[];
  lockFields: boolean;
  taskShape: 'dgc' | 'dlf';
  plainSubtasks: boolean;
  alterOnImport: string[];
  requestLog?: string;
  importDelayMs: number;
  json?: boolean;
}

const KINDS: FaultKind[] = ['5xx', 'reset', '429', 'truncate'];

function parseKinds(list: string | undefined): FaultKind[] | undefined {
  if (list === undefined) return undefined;
  const kinds = list.split(',').map((k) => k.trim()).filter((k) => k !== '');
  for (const k of kinds) if (!KINDS.includes(k as FaultKind)) throw new UsageError(`--fault-kinds: unknown kind '${k}' (use ${KINDS.join(', ')})`);
  return kinds as FaultKind[];
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** What the printed environment paces the CLI to when the emulator enforces no limits. */
const UNLIMITED_RATE_SCALE = 100;

/** The environment a client needs, as shell lines and as a JSON document. */
export function connectionInfo(emu: Emulator) {
  const c = emu.credentials;
  return {
    url: emu.url,
    env: {
      DATAARTS_ENDPOINT: emu.url,
      DATAARTS_IAM_ENDPOINT: emu.url,
      DATAARTS_OBS_ENDPOINT: emu.url,
      DATAARTS_PROJECT_ID: c.projectId,
      HUAWEICLOUD_SDK_AK: c.ak,
      HUAWEICLOUD_SDK_SK: c.sk,
      // With no limits to respect (--no-rate-limit), the CLI need not pace itself to the service's.
      ...(emu.rateScale === undefined ? { DATAARTS_RATE_SCALE: String(UNLIMITED_RATE_SCALE) } : {}),
    },
    iamUser: { username: c.username, password: c.password, domain: c.domain },
    obsStaging: `obs://${c.bucket}/`,
    workspaces: [...emu.state.workspaces.values()]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((ws) => ({
        id: ws.id,
        jobs: ws.jobs.size,
        connections: [...ws.connections.values()].map((x) => ({ name: x.name, type: x.type })).sort((a, b) => (a.name < b.name ? -1 : 1)),
      })),
  };
}

export async function runEmulator(ctx: CommandContext, opts: EmulatorCommandOptions): Promise<number> {
  const kinds = parseKinds(opts.faultKinds);
  // Paths are the run's working directory's (in-process runs, tests included, have their own).
  const log = opts.requestLog ? fs.createWriteStream(path.resolve(ctx.deps.cwd, opts.requestLog), { flags: 'a' }) : undefined;
  const emu = await startEmulator({
    port: opts.port,
    host: opts.host,
    seedJobs: opts.seedJobs,
    seed: opts.seed,
    seedSecrets: opts.seedSecrets,
    workspaces: opts.workspace,
    dataDir: opts.dataDir === undefined ? undefined : path.resolve(ctx.deps.cwd, opts.dataDir),
    latencyMs: opts.latencyMs,
    rateLimits: opts.rateLimit,
    faults: opts.faultRate > 0 ? { rate: opts.faultRate, kinds } : undefined,
    listPageCap: opts.listPageCap,
    listOffset: opts.listOffset,
    seedWorkspace: opts.seedWorkspace,
    connections: opts.connection.map(parseConnectionFlag),
    lockFields: opts.lockFields,
    taskShape: { model: opts.taskShape, prefixed: !opts.plainSubtasks },
    alterOnImport: opts.alterOnImport,
    importDelayMs: opts.importDelayMs,
    onRequest: log ? (entry) => log.write(`${JSON.stringify(entry)}\n`) : undefined,
  });
  try {
    const info = connectionInfo(emu);
    if (ctx.globals.json) {
      await printJson(ctx.deps.io.stdout, info);
    } else {
      await printLines(ctx.deps.io.stdout, [
        `# DataArts Factory emulator listening on ${emu.url} (stop with Ctrl-C)`,
        ...Object.entries(info.env).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
        `# IAM user instead of AK/SK: DATAARTS_USERNAME=${shellQuote(info.iamUser.username)} DATAARTS_PASSWORD=${shellQuote(info.iamUser.password)} DATAARTS_DOMAIN=${shellQuote(info.iamUser.domain)}`,
        `# OBS staging bucket: ${info.obsStaging}`,
      ]);
    }
    ctx.ui.info(`emulator running on ${emu.url}; workspaces: ${info.workspaces.map((w) => `${w.id} (${w.jobs} jobs${w.connections.length ? `; connections ${w.connections.map((x) => x.name).join(', ')}` : ''})`).join(', ')}`);
    await new Promise<void>((resolve) => {
      if (ctx.deps.signal.aborted) return resolve();
      ctx.deps.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    await emu.close();
    if (log) await new Promise<void>((resolve) => log.end(() => resolve()));
  }
  return 0;
}
