/**
 * OBS, path style `/{bucket}/{key}` or virtual-host style: PUT, GET, HEAD, DELETE of objects (with
 * `x-obs-meta-*` user metadata), HEAD Bucket and the object listing (GET Bucket: `prefix`, `marker`,
 * `max-keys`, answered as OBS/S3 `ListBucketResult` XML), signed with the OBS or the V2 (`AWS`)
 * signature, in a header or a query string (obs-auth.ts; reference §13, §19).
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { verifyObsRequest } from './obs-auth.js';
import type { Exchange } from './http.js';
import type { EmulatorState, ObsObject } from './state.js';

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

/**
 * The signature kind ('OBS' or 'AWS'), or undefined (having answered) when the signature or the
 * date is not acceptable. Headers in the answer use the kind's prefix (`x-obs-` or `x-amz-`).
 */
function verify(ex: Exchange, cfg: ObsConfig, now: number, resource: string): 'OBS' | 'AWS' | undefined {
  ex.log.authKind = 'obs';
  const result = verifyObsRequest({ method: ex.method, headers: ex.req.headers, resource, query: ex.query }, cfg, now);
  if (!result.ok) {
    obsError(ex, result.status, result.code, result.message);
    return undefined;
  }
  return result.kind;
}

/**
 * The bucket and key of a request: virtual-host style when the Host names an existing bucket
 * (`{bucket}.{endpoint}`), else path style `/{bucket}/{key}`. `resource` is what is signed.
 */
function address(ex: Exchange, state: EmulatorState): { bucket: string; key: string; resource: string } {
  const host = (ex.req.headers.host ?? '').replace(/:\d+$/, '');
  const label = host.split('.')[0] ?? '';
  if (!isIP(host) && host.includes('.') && state.buckets.has(label)) {
    const wireKey = ex.wirePath.slice(1);
    return { bucket: label, key: decodeURIComponent(wireKey), resource: `/${label}/${wireKey}` };
  }
  const slash = ex.wirePath.indexOf('/', 1);
  const bucket = decodeURIComponent(slash < 0 ? ex.wirePath.slice(1) : ex.wirePath.slice(1, slash));
  const key = slash < 0 ? '' : decodeURIComponent(ex.wirePath.slice(slash + 1));
  return { bucket, key, resource: ex.wirePath };
}

export function handleObs(ex: Exchange, state: EmulatorState, cfg: ObsConfig, now: number): void {
  const { bucket, key, resource } = address(ex, state);
  const kind = verify(ex, cfg, now, resource);
  if (!kind) return;
  const metaPrefix = kind === 'OBS' ? 'x-obs-meta-' : 'x-amz-meta-';
  const objects = state.buckets.get(bucket);
  if (!objects) return obsError(ex, 404, 'NoSuchBucket', 'The specified bucket does not exist');
  // HEAD Bucket: the bucket exists and the signature is good (the import's dry run asks this).
  if (key === '' && ex.method === 'HEAD') return void ex.res.writeHead(200, { 'X-Request-Id': ex.requestId, 'Content-Length': '0' }).end();
  if (key === '' && ex.method === 'GET') return listObjects(ex, bucket, objects);
  if (key === '') return obsError(ex, 405, 'MethodNotAllowed', 'Bucket operations are not supported by the emulator.');
  switch (ex.method) {
    case 'PUT': {
      const md5 = header(ex, 'content-md5');
      if (md5 && md5 !== createHash('md5').update(ex.body).digest('base64')) return obsError(ex, 400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
      const object = state.putObsObject(bucket, key, ex.body, { contentType: header(ex, 'content-type') || 'application/octet-stream', meta: userMetadata(ex) });
      ex.res.writeHead(200, { ETag: etagOf(object), 'X-Request-Id': ex.requestId, 'Content-Length': '0' });
      return void ex.res.end();
    }
    case 'GET':
    case 'HEAD': {
      const object = objects.get(key);
      if (!object) return obsError(ex, 404, 'NoSuchKey', 'The specified key does not exist.');
      ex.res.writeHead(200, {
        ETag: etagOf(object),
        'Content-Type': object.contentType,
        'Content-Length': String(object.data.length),
        'Last-Modified': new Date(object.lastModified).toUTCString(),
        'X-Request-Id': ex.requestId,
        ...Object.fromEntries(Object.entries(object.meta ?? {}).map(([k, v]) => [`${metaPrefix}${k}`, v])),
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

/** `x-obs-meta-{name}` (and the V2 `x-amz-meta-{name}`) request headers: name (lower case) → value. */
function userMetadata(ex: Exchange): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(ex.req.headers)) {
    const m = /^x-(?:obs|amz)-meta-(.+)$/.exec(name.toLowerCase());
    if (m && value !== undefined) out[m[1]!] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

/** Keys per listing page when the request names no `max-keys` (OBS and S3 answer at most 1000). */
const LIST_PAGE = 1000;

/**
 * GET Bucket (list objects, version 1): the keys after `marker` that start with `prefix`, in byte
 * order, at most `max-keys`; `IsTruncated` and `NextMarker` say how to ask for the rest.
 */
function listObjects(ex: Exchange, bucket: string, objects: Map<string, ObsObject>): void {
  const prefix = ex.query.get('prefix') ?? '';
  const marker = ex.query.get('marker') ?? '';
  const maxKeys = Math.min(LIST_PAGE, Math.max(0, Number(ex.query.get('max-keys') ?? LIST_PAGE) || 0));
  const keys = [...objects.keys()].filter((k) => k.startsWith(prefix) && Buffer.compare(Buffer.from(k), Buffer.from(marker)) > 0)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const page = keys.slice(0, maxKeys);
  const truncated = keys.length > page.length;
  const contents = page.map((k) => {
    const o = objects.get(k)!;
    return `<Contents><Key>${xmlEscape(k)}</Key><LastModified>${new Date(o.lastModified).toISOString()}</LastModified><ETag>${xmlEscape(etagOf(o))}</ETag><Size>${o.data.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
  });
  const body = Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://obs.myhwclouds.com/doc/2015-06-30/"><Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix><Marker>${xmlEscape(marker)}</Marker>` +
      `<MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${truncated ? `<NextMarker>${xmlEscape(page[page.length - 1]!)}</NextMarker>` : ''}${contents.join('')}</ListBucketResult>`,
  );
  ex.res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': String(body.length), 'X-Request-Id': ex.requestId });
  ex.res.end(body);
}

/**
 * The ETag of a stored object: the MD5 of the bytes stored now (a single-PUT object's ETag is its
 * MD5), so bytes changed in place (a test's bit rot) show in HEAD and in the listing, as a
 * checksum of the stored bytes would.
 */
function etagOf(object: ObsObject): string {
  return `"${createHash('md5').update(object.data).digest('hex')}"`;
}
