/**
 * Everything a command needs to talk to the service, built once per run: the resolved config, the
 * credentials, one transport (created on the first request, so a run that never reaches the network
 * never loads undici), and the DataArts and OBS clients on top.
 */
import type { CommandContext } from '../context.js';
import { loadConfig, requireCredentials } from '../config/load.js';
import type { ResolvedConfig } from '../config/types.js';
import { createAuthenticator } from './auth.js';
import { DataArtsClient } from './dataarts.js';
import { HttpClient } from './http.js';
import { ObsClient } from './obs.js';
import { Pacer } from './pacing.js';
import { createTransport, isLoopbackHost, type Transport } from './transport.js';

export interface Session {
  config: ResolvedConfig;
  dataarts: DataArtsClient;
  obs: ObsClient;
  /**
   * OBS for undo actions (deleting a staged object after SIGINT/SIGTERM): its requests are not
   * cancelled by the run's abort signal, so cleanup still reaches OBS after an interrupt.
   */
  cleanupObs: ObsClient;
  /**
   * DataArts for undo actions (starting again the jobs a release stopped, after SIGINT/SIGTERM):
   * like cleanupObs, never cancelled by the run's abort signal.
   */
  cleanupDataarts: DataArtsClient;
  close(): Promise<void>;
}

/** Requests in flight at once across the whole run (the pacer's rate limits do the rest). */
export const MAX_CONCURRENT_REQUESTS = 8;

export async function openSession(ctx: CommandContext): Promise<Session> {
  const config = await loadConfig(ctx);
  const credentials = requireCredentials(config, ctx.deps.env);
  config.credentials = credentials;
  warnAboutPlainHttp(ctx, config);

  let transport: Promise<Transport> | undefined;
  const getTransport = () => (transport ??= createTransport({ env: ctx.deps.env, timeouts: config.timeouts, caFile: config.caFile }));
  const pacer = new Pacer({ maxConcurrent: MAX_CONCURRENT_REQUESTS, scale: config.rateScale });
  const http = new HttpClient({
    transport: getTransport,
    pacer,
    retry: config.retry,
    signal: ctx.deps.signal,
    debug: (line) => ctx.ui.debug(line),
  });
  // Same transport and pacing, but never aborted by the run's signal (see Session.cleanupObs).
  const cleanupHttp = new HttpClient({ transport: getTransport, pacer, retry: config.retry, signal: new AbortController().signal, debug: (line) => ctx.ui.debug(line) });
  const now = ctx.deps.now;
  const auth = createAuthenticator(credentials, { http, now, iamEndpoint: config.iamEndpoint, projectId: config.projectId });
  ctx.ui.debug(`config: ${config.configFile ?? 'no config file'}${config.profile ? `, profile ${config.profile}` : ''}; credentials: ${credentials.kind} from ${credentials.source}`);
  return {
    config,
    dataarts: new DataArtsClient({ http, auth, config, debug: (line) => ctx.ui.debug(line) }),
    obs: new ObsClient({ http, now, config, credentials }),
    cleanupObs: new ObsClient({ http: cleanupHttp, now, config, credentials }),
    cleanupDataarts: new DataArtsClient({ http: cleanupHttp, auth, config, debug: (line) => ctx.ui.debug(line) }),
    close: async () => {
      const opened = transport;
      transport = undefined; // closing twice is harmless
      if (opened) await (await opened.catch(() => undefined))?.close();
    },
  };
}

/** An `http://` endpoint off this machine sends credentials (signatures, tokens, passwords) in the clear. */
function warnAboutPlainHttp(ctx: CommandContext, config: ResolvedConfig): void {
  const seen = new Set<string>();
  for (const endpoint of [config.endpoint, config.iamEndpoint, config.obsEndpoint]) {
    if (endpoint === '') continue; // not configured; reported where it is needed
    const url = new URL(endpoint);
    if (url.protocol !== 'http:' || isLoopbackHost(url.hostname) || seen.has(url.host)) continue;
    seen.add(url.host);
    ctx.ui.warn(`${url.origin} is plain http: credentials and data travel unencrypted. Use https unless this network is trusted.`);
  }
}
