/** OBS, path style `/{bucket}/{key}`: PUT, GET, HEAD, DELETE with the native signature (reference §13). */
import { createHash, timingSafeEqual } from 'node:crypto';
import { obsSignature } from '../auth/sign-obs.js';
import { MAX_CLOCK_SKEW_MS } from '../api/service-inferred.js';
import type { Exchange } from './http.js';
import type { EmulatorState } from './state.js';

export interface ObsConfig {
  ak: string;
  sk: string;
}

function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function obsError(ex: Exchange, status: number, code: string, message: string): void {
  ex.log.errorCode = code;
  const body = Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message><RequestId>${ex.requestId}</RequestId></Error>`,
  );
  ex.res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': String(body.length), 'X-Request-Id': ex.requestId, 'x-obs-request-id': ex.requestId });
  ex.res.end(ex.method === 'HEAD' ? undefined : body);
}

function header(ex: Exchange, name: string): string {
  const v = ex.req.headers[name];
  return Array.isArray(v) ? v.join(',') : (v ?? '');
}

/** Returns false (and answers) when the signature or the date is not acceptable. */
function verify(ex: Exchange, cfg: ObsConfig, now: number): boolean {
  ex.log.authKind = 'obs';
  const m = /^OBS ([^:]+):(.+)$/.exec(header(ex, 'authorization'));
  if (!m) {
    obsError(ex, 403, 'AccessDenied', 'Access Denied');
    return false;
  }
  const obsDate = header(ex, 'x-obs-date');
  const dateHeader = header(ex, 'date');
  const when = Date.parse(obsDate || dateHeader);
  if (Number.isNaN(when) || Math.abs(when - now) > MAX_CLOCK_SKEW_MS) {
    obsError(ex, 403, 'RequestTimeTooSkewed', 'The difference between the request time and the server\'s time is too large.');
    return false;
  }
  if (m[1] !== cfg.ak) {
    obsError(ex, 403, 'InvalidAccessKeyId', 'The access key Id you provided does not exist in our records.');
    return false;
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(ex.req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const expected = obsSignature(
    { method: ex.method, contentMd5: header(ex, 'content-md5'), contentType: header(ex, 'content-type'), date: obsDate ? '' : dateHeader, headers, resource: ex.wirePath },
    cfg.sk,
  );
  const a = Buffer.from(expected);
  const b = Buffer.from(m[2]!);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    obsError(ex, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
    return false;
  }
  return true;
}

export function handleObs(ex: Exchange, state: EmulatorState, cfg: ObsConfig, now: number): void {
  const slash = ex.wirePath.indexOf('/', 1);
  const bucket = decodeURIComponent(slash < 0 ? ex.wirePath.slice(1) : ex.wirePath.slice(1, slash));
  const key = slash < 0 ? '' : decodeURIComponent(ex.wirePath.slice(slash + 1));
  if (!verify(ex, cfg, now)) return;
  const objects = state.buckets.get(bucket);
  if (!objects) return obsError(ex, 404, 'NoSuchBucket', 'The specified bucket does not exist');
  // HEAD Bucket: the bucket exists and the signature is good (the import's dry run asks this).
  if (key === '' && ex.method === 'HEAD') return void ex.res.writeHead(200, { 'X-Request-Id': ex.requestId, 'Content-Length': '0' }).end();
  if (key === '') return obsError(ex, 405, 'MethodNotAllowed', 'Bucket operations are not supported by the emulator.');
  switch (ex.method) {
    case 'PUT': {
      const md5 = header(ex, 'content-md5');
      if (md5 && md5 !== createHash('md5').update(ex.body).digest('base64')) return obsError(ex, 400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
      const object = state.putObsObject(bucket, key, ex.body, header(ex, 'content-type') || 'application/octet-stream');
      ex.res.writeHead(200, { ETag: object.etag, 'X-Request-Id': ex.requestId, 'Content-Length': '0' });
      return void ex.res.end();
    }
    case 'GET':
    case 'HEAD': {
      const object = objects.get(key);
      if (!object) return obsError(ex, 404, 'NoSuchKey', 'The specified key does not exist.');
      ex.res.writeHead(200, {
        ETag: object.etag,
        'Content-Type': object.contentType,
        'Content-Length': String(object.data.length),
        'Last-Modified': new Date(object.lastModified).toUTCString(),
        'X-Request-Id': ex.requestId,
      });
      return void ex.res.end(ex.method === 'HEAD' ? undefined : object.data);
    }
    case 'DELETE':
      state.deleteObsObject(bucket, key);
      ex.res.writeHead(204, { 'X-Request-Id': ex.requestId });
      return void ex.res.end();
    default:
      return obsError(ex, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
  }
}
