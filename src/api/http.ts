/**
 * The one place requests go out: pacing, authentication per attempt, timeouts, retries of safe
 * calls, typed errors and the `--verbose` request log. DataArts, IAM and OBS clients all send
 * through `HttpClient.execute`; nothing else calls undici.
 */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import { ConfigError, DataartsError, LocalFileError, ServiceError } from '../errors.js';
import { redactText } from '../auth/redact.js';
import type { RetryPolicy } from '../config/types.js';
import { errorFromResponse, parseErrorBody, type ErrorContext, type ParsedErrorBody } from './errors.js';
import { backoffDelay, isRetryableStatus, parseRetryAfter } from './retry.js';
import type { ApiClass, Pacer } from './pacing.js';
import type { Transport } from './transport.js';
import { childSignal, sleep } from '../util/abort.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
export type AuthKind = ErrorContext['authKind'];

export interface OutgoingRequest {
  method: Method;
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface HttpRequest extends OutgoingRequest {
  apiClass: ApiClass;
  /** The endpoint, for per-API pacing (e.g. 'batch-export'); requests of one API share its budget. */
  api?: string;
  /** May be sent again after a failure (GETs, polls, exports, stop). Never true for importJobs. */
  safe: boolean;
  authKind: AuthKind;
  /** The headers to send for this attempt (signed with the attempt's own time, or with a token). */
  authorize?: (req: OutgoingRequest) => Promise<Record<string, string>>;
  /** On 401: get fresh credentials; true = send once more. */
  onUnauthorized?: () => Promise<boolean>;
  /** Error body parser (OBS answers XML). */
  parseError?: (text: string) => ParsedErrorBody;
  /** A streamed body instead of `body`: a fresh stream for each attempt (Content-Length set by the caller). */
  stream?: () => Readable;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  requestId?: string;
}

export interface HttpClientDeps {
  transport: () => Promise<Transport>;
  pacer: Pacer;
  retry: RetryPolicy;
  signal: AbortSignal;
  /** The `--verbose` sink (already-redacted lines only). */
  debug: (line: string) => void;
  now?: () => number;
  random?: () => number;
}

/** A body that ended early or does not parse: worth fetching again for a safe call. */
export class TruncatedBodyError extends Error {}

/** Something that failed on the wire (not an HTTP status): connection refused/reset, timeouts. */
class WireFailure extends Error {}

interface Outcome<T> {
  value?: T;
  error?: DataartsError;
  /** Why another attempt may help (undefined = final). */
  retryReason?: string;
  retryAfterMs?: number;
  throttled?: boolean;
  unauthorized?: boolean;
}

function lowerHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function describeWireError(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  const msg = e.cause?.message ?? e.message ?? String(err);
  const text = code && !msg.includes(code) ? `${code}: ${msg}` : msg;
  return text.trim();
}

/** TLS verification failures: retrying cannot help, the trust store must change. */
const CERTIFICATE_ERROR_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function certificateError(err: unknown, url: string): ConfigError | undefined {
  const e = err as { code?: string; cause?: { code?: string } };
  const code = CERTIFICATE_ERROR_CODES.has(e.code ?? '') ? e.code : CERTIFICATE_ERROR_CODES.has(e.cause?.code ?? '') ? e.cause?.code : undefined;
  if (!code) return undefined;
  return new ConfigError(`the server certificate of ${new URL(url).origin} was not accepted (${describeWireError(err)})`, {
    key: 'caFile',
    hint: 'If the server uses a private CA, trust it with --ca-file PEM (or caFile in the profile, or NODE_EXTRA_CA_CERTS). Certificate checks are never switched off.',
  });
}

/**
 * A TLS handshake answered by a plain-HTTP server (OpenSSL: "wrong version number", "packet length
 * too long", "http request"): the URL is wrong, not the network, so retrying cannot help.
 */
function plainHttpError(err: unknown, url: string): ConfigError | undefined {
  if (!url.startsWith('https:')) return undefined;
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const codes = [e.code, e.cause?.code];
  const text = `${e.message ?? ''} ${e.cause?.message ?? ''}`;
  const plain = codes.includes('ERR_SSL_WRONG_VERSION_NUMBER') || codes.includes('ERR_SSL_PACKET_LENGTH_TOO_LONG') || codes.includes('ERR_SSL_HTTP_REQUEST')
    || /wrong version number|packet length too long|ssl3_get_record:http request/i.test(text);
  if (!plain) return undefined;
  const origin = new URL(url).origin;
  return new ConfigError(`the endpoint ${origin} does not speak HTTPS (the TLS handshake was answered in plain HTTP)`, {
    key: 'endpoint',
    hint: `Check the endpoint URL and port (--endpoint, --iam-endpoint, --obs-endpoint or the DATAARTS_*_ENDPOINT variables). A local emulator is reached with http://, e.g. ${origin.replace(/^https:/, 'http:')}.`,
  });
}

export class HttpClient {
  private readonly now: () => number;
  constructor(private readonly deps: HttpClientDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Send and read the whole body. */
  send(req: HttpRequest, validate?: (body: Buffer, headers: Record<string, string>) => void): Promise<HttpResponse> {
    return this.execute(req, async (status, headers, body) => {
      const buf = await readAll(body, headers);
      validate?.(buf, headers);
      return { status, headers, body: buf, requestId: requestIdOf(headers) };
    });
  }

  /** Send and parse a JSON answer (an empty body gives `{}`). An unparseable body counts as truncated. */
  async sendJson<T>(req: HttpRequest): Promise<T> {
    let parsed: unknown;
    await this.send(req, (buf) => {
      const text = buf.toString('utf8');
      if (text.trim() === '') {
        parsed = {};
        return;
      }
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new TruncatedBodyError('the answer is not complete JSON');
      }
    });
    return parsed as T;
  }

  /** Stream a 2xx body into `destFile` (rewritten on each attempt) and check its length. */
  download(req: HttpRequest, destFile: string): Promise<{ bytes: number }> {
    return this.execute(req, async (_status, headers, body) => {
      let bytes = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          bytes += chunk.length;
          cb(null, chunk);
        },
      });
      const file = createWriteStream(destFile, { flags: 'w', mode: 0o600 });
      // Whichever side failed first: once one fails, pipeline destroys the other with the same
      // error, so the file also reports a network failure (Node 24 does so) and the body a disk one.
      let first: { side: 'file' | 'network'; err: unknown } | undefined;
      file.on('error', (err) => (first ??= { side: 'file', err }));
      body.on('error', (err) => (first ??= { side: 'network', err }));
      try {
        await pipeline(body, counter, file);
      } catch (err) {
        // The local file failing (disk full, permission, read-only) is not the network's fault:
        // exit 7 naming the path at once, not retries and "the service kept failing".
        if (first?.side === 'file') throw new LocalFileError('write', destFile, first.err);
        throw new WireFailure(`download interrupted: ${describeWireError(err)}`);
      }
      checkLength(headers, bytes);
      return { bytes };
    });
  }

  /**
   * One logical call: attempts until success, a final error, or the retry budget is spent.
   * `consume` reads a 2xx body; throwing TruncatedBodyError/WireFailure from it makes the attempt fail.
   */
  async execute<T>(req: HttpRequest, consume: (status: number, headers: Record<string, string>, body: Readable) => Promise<T>): Promise<T> {
    const { retry, signal } = this.deps;
    const maxAttempts = req.safe ? retry.maxAttempts : 1;
    const url = redactText(req.url);
    let refreshed = false;
    let lastReason = '';
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw signal.reason;
      const outcome = await this.attempt(req, consume, { attempt, maxAttempts, url });
      if (outcome.value !== undefined || (outcome.error === undefined && outcome.retryReason === undefined)) return outcome.value as T;
      if (outcome.unauthorized && !refreshed && req.onUnauthorized) {
        refreshed = true;
        if (await req.onUnauthorized()) {
          attempt--; // a refreshed token is a new start, not a failed attempt
          continue;
        }
      }
      if (outcome.error) throw outcome.error;
      lastReason = outcome.retryReason!;
      if (!req.safe) {
        throw new ServiceError(`${req.method} ${url} failed: ${lastReason}`, {
          hint: 'This call changes state, so it was not repeated automatically: check the workspace before running the command again.',
        });
      }
      if (attempt >= maxAttempts) {
        throw new ServiceError(`${req.method} ${url} failed after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${lastReason}`, {
          hint: 'The service or the network kept failing; try again later (--verbose shows each attempt).',
        });
      }
      const delay = backoffDelay(attempt, retry, { retryAfterMs: outcome.retryAfterMs, throttled: outcome.throttled, random: this.deps.random });
      this.deps.debug(`  retrying in ${delay} ms (${lastReason})`);
      await sleep(delay, signal);
    }
  }

  private async attempt<T>(
    req: HttpRequest,
    consume: (status: number, headers: Record<string, string>, body: Readable) => Promise<T>,
    at: { attempt: number; maxAttempts: number; url: string },
  ): Promise<Outcome<T>> {
    const { attempt, maxAttempts, url } = at;
    const { signal } = this.deps;
    const release = await this.deps.pacer.acquire(req.apiClass, signal, req.api);
    const requestSignal = childSignal(signal);
    const started = this.now();
    const tag = `attempt ${attempt}/${maxAttempts}`;
    const log = (what: string, requestId?: string) =>
      this.deps.debug(redactText(`${req.method} ${url} → ${what}${requestId ? ` request-id=${requestId}` : ''} ${this.now() - started} ms ${tag}`));
    try {
      const transport = await this.deps.transport();
      const headers = req.authorize ? await req.authorize(req) : req.headers;
      let res;
      try {
        // undici adds an abort listener to the signal it is given: give each request its own,
        // tied to the run's through one shared listener (src/util/abort.ts), detached when the
        // request's body is consumed or fails (the `finally` below).
        res = await transport.request(req.url, { method: req.method, headers, body: req.stream ? req.stream() : req.body, dispatcher: transport.dispatcher, signal: requestSignal.signal });
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        const reason = describeWireError(err);
        log(`network error (${reason})`);
        const certError = certificateError(err, req.url) ?? plainHttpError(err, req.url);
        if (certError) return { error: certError };
        return { retryReason: reason };
      }
      const resHeaders = lowerHeaders(res.headers as Record<string, string | string[] | undefined>);
      const requestId = requestIdOf(resHeaders);
      if (res.statusCode >= 200 && res.statusCode < 300) {
        try {
          const value = await consume(res.statusCode, resHeaders, res.body);
          log(String(res.statusCode), requestId);
          return { value };
        } catch (err) {
          res.body.destroy();
          if (signal.aborted) throw signal.reason;
          if (err instanceof DataartsError) throw err;
          const reason = err instanceof TruncatedBodyError || err instanceof WireFailure ? err.message : `body failed: ${describeWireError(err)}`;
          log(`${res.statusCode} (${reason})`, requestId);
          return { retryReason: reason };
        }
      }
      let text = '';
      try {
        text = (await readAll(res.body, {})).toString('utf8');
      } catch {
        // The error body itself broke off; the status is what matters.
      }
      log(String(res.statusCode), requestId);
      const parsed = (req.parseError ?? parseErrorBody)(text);
      const status = res.statusCode;
      const errorContext: ErrorContext = { status, body: parsed, requestId, method: req.method, url, authKind: req.authKind };
      if (isRetryableStatus(status)) {
        const said = [parsed.errorCode, parsed.errorMsg].filter(Boolean).join(' ');
        return {
          retryReason: redactText(`HTTP ${status}${said ? ` ${said}` : ''}${requestId ? ` (request id ${requestId})` : ''}`),
          retryAfterMs: parseRetryAfter(resHeaders['retry-after'], this.now()),
          throttled: status === 429,
        };
      }
      return { error: errorFromResponse(errorContext), unauthorized: status === 401 };
    } finally {
      requestSignal.done();
      release();
    }
  }
}

function requestIdOf(headers: Record<string, string>): string | undefined {
  return headers['x-request-id'] ?? headers['x-obs-request-id'] ?? headers['x-apig-request-id'];
}

function checkLength(headers: Record<string, string>, bytes: number): void {
  const declared = headers['content-length'];
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) !== bytes) {
    throw new TruncatedBodyError(`body truncated: got ${bytes} of ${declared} bytes`);
  }
}

async function readAll(body: Readable, headers: Record<string, string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of body) chunks.push(chunk as Buffer);
  } catch (err) {
    throw new WireFailure(`body interrupted: ${describeWireError(err)}`);
  }
  const buf = Buffer.concat(chunks);
  checkLength(headers, buf.length);
  return buf;
}
