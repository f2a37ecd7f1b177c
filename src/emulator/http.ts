/** Small response helpers shared by the DataArts, IAM and OBS handlers. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Thrown by handlers to answer with a JSON error body; the server turns it into the response. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    /** Gateway errors (auth, throttling) also carry `request_id` in the body. */
    readonly gateway = false,
  ) {
    super(message);
  }
}

/** A DataArts business error: HTTP 400 with `{error_code, error_msg}` (reference §1). */
export function dlfError(errorCode: string, message: string): HttpError {
  return new HttpError(400, errorCode, message);
}

export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  method: string;
  /** Path as on the wire (still percent-encoded). */
  wirePath: string;
  search: string;
  query: URLSearchParams;
  body: Buffer;
  /** When the request's headers were read (ms since the epoch): what the rate limit counts. */
  arrivedAt: number;
  /** Filled in for the request log. */
  log: { workspace?: string; errorCode?: string; authKind: 'aksk' | 'token' | 'obs' | 'none'; body?: unknown };
}

export function sendJson(ex: Exchange, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = Buffer.from(JSON.stringify(value));
  ex.res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': String(body.length), 'X-Request-Id': ex.requestId, ...headers });
  ex.res.end(body);
}

export function sendEmpty(ex: Exchange, status: number, headers: Record<string, string> = {}): void {
  ex.res.writeHead(status, { 'X-Request-Id': ex.requestId, 'Content-Length': '0', ...headers });
  ex.res.end();
}

export function sendError(ex: Exchange, err: HttpError): void {
  ex.log.errorCode = err.errorCode;
  const body: Record<string, string> = { error_code: err.errorCode, error_msg: err.message };
  if (err.gateway) body.request_id = ex.requestId;
  sendJson(ex, err.status, body);
}

/** Read the whole body, refusing more than `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else if (!over) chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Parse a JSON request body (empty → {}); a bad body is DLF.3051. */
export function jsonBody(ex: Exchange): Record<string, unknown> {
  if (ex.body.length === 0) return {};
  try {
    const value: unknown = JSON.parse(ex.body.toString('utf8'));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw dlfError('DLF.3051', 'The request parameter is invalid.');
  }
}

