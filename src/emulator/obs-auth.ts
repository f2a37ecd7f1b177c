/**
 * OBS request authentication, written apart from the client's signer (src/auth/sign-obs.ts) on
 * purpose: a bug there must make the emulator refuse the client, not agree with it.
 *
 * Real OBS accepts (reference §13, §19):
 * - its own signature, `Authorization: OBS AK:sig`, headers `x-obs-*`;
 * - the S3-compatible V2 signature, `Authorization: AWS AK:sig`, headers `x-amz-*` (the official
 *   OBS SDKs use it against an IP address or with path-style addressing);
 * - both in query-string form (a pre-signed URL): `AccessKeyId` (OBS) or `AWSAccessKeyId` (V2),
 *   `Expires` (epoch seconds, in place of the date line) and `Signature`.
 *
 * StringToSign = VERB \n Content-MD5 \n Content-Type \n (Date | Expires) \n
 *                canonical prefixed headers (`name:value\n`, sorted) + /bucket/key[?sub-resources]
 * Signature = Base64(HMAC-SHA1(SK, StringToSign)).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { MAX_CLOCK_SKEW_MS } from './service-readings.js';

export type ObsSignatureKind = 'OBS' | 'AWS';

export interface ObsAuthRequest {
  method: string;
  /** Request headers, names lower-case (as node:http gives them). */
  headers: Record<string, string | string[] | undefined>;
  /** `/{bucket}/{key}` with the key as on the wire (still percent-encoded). */
  resource: string;
  query: URLSearchParams;
}

export type ObsAuthResult =
  | { ok: true; kind: ObsSignatureKind; form: 'header' | 'query' }
  | { ok: false; status: number; code: string; message: string };

/** Query parameters that are part of the signed resource (sub-resources), lower-case. */
const SUB_RESOURCES = new Set([
  'acl', 'append', 'cors', 'delete', 'lifecycle', 'location', 'logging', 'partnumber', 'policy', 'position', 'quota',
  'restore', 'storageclass', 'storagepolicy', 'tagging', 'torrent', 'uploadid', 'uploads', 'versionid', 'versioning', 'versions',
  'website', 'response-cache-control', 'response-content-disposition', 'response-content-encoding', 'response-content-language',
  'response-content-type', 'response-expires', 'x-image-process',
]);

function one(v: string | string[] | undefined): string {
  return Array.isArray(v) ? v.join(',') : (v ?? '');
}

const fail = (status: number, code: string, message: string): ObsAuthResult => ({ ok: false, status, code, message });
const DENIED = fail(403, 'AccessDenied', 'Access Denied');
const BAD_SIGNATURE = fail(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');

function canonicalResource(resource: string, query: URLSearchParams, prefix: string, includePrefixedParams: boolean): string {
  const subs: string[] = [];
  for (const [name, value] of query) {
    const lower = name.toLowerCase();
    if (SUB_RESOURCES.has(lower) || (includePrefixedParams && lower.startsWith(prefix))) subs.push(value === '' ? name : `${name}=${value}`);
  }
  subs.sort();
  return subs.length > 0 ? `${resource}?${subs.join('&')}` : resource;
}

function stringToSign(req: ObsAuthRequest, kind: ObsSignatureKind, dateLine: string, form: 'header' | 'query'): string {
  const prefix = kind === 'OBS' ? 'x-obs-' : 'x-amz-';
  const canonical = new Map<string, string>();
  for (const [name, value] of Object.entries(req.headers)) {
    const lower = name.toLowerCase();
    if (lower.startsWith(prefix) && value !== undefined) canonical.set(lower, one(value).trim());
  }
  const lines = [...canonical.keys()].sort().map((k) => `${k}:${canonical.get(k)}\n`).join('');
  const withoutQueryAuth = new URLSearchParams([...req.query].filter(([k]) => !['accesskeyid', 'awsaccesskeyid', 'expires', 'signature'].includes(k.toLowerCase())));
  // In the query form, prefixed parameters (e.g. x-obs-security-token) are signed as sub-resources.
  const resource = canonicalResource(req.resource, withoutQueryAuth, prefix, form === 'query');
  return `${req.method.toUpperCase()}\n${one(req.headers['content-md5'])}\n${one(req.headers['content-type'])}\n${dateLine}\n${lines}${resource}`;
}

function sign(sk: string, text: string): string {
  return createHmac('sha1', sk).update(text, 'utf8').digest('base64');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Check a request's OBS or V2 signature, in header or query-string form. */
export function verifyObsRequest(req: ObsAuthRequest, creds: { ak: string; sk: string }, now: number): ObsAuthResult {
  const authorization = one(req.headers['authorization']);
  if (authorization !== '') {
    const m = /^(OBS|AWS) ([^:\s]+):(\S+)$/.exec(authorization);
    if (!m) return DENIED;
    const kind = m[1] as ObsSignatureKind;
    const prefixedDate = one(req.headers[kind === 'OBS' ? 'x-obs-date' : 'x-amz-date']);
    const date = one(req.headers['date']);
    const when = Date.parse(prefixedDate || date);
    if (Number.isNaN(when) || Math.abs(when - now) > MAX_CLOCK_SKEW_MS) {
      return fail(403, 'RequestTimeTooSkewed', "The difference between the request time and the server's time is too large.");
    }
    if (m[2] !== creds.ak) return fail(403, 'InvalidAccessKeyId', 'The access key Id you provided does not exist in our records.');
    // With x-obs-date / x-amz-date the Date line is empty (that header is signed instead).
    const expected = sign(creds.sk, stringToSign(req, kind, prefixedDate ? '' : date, 'header'));
    return same(expected, m[3]!) ? { ok: true, kind, form: 'header' } : BAD_SIGNATURE;
  }
  const obsAk = req.query.get('AccessKeyId');
  const awsAk = req.query.get('AWSAccessKeyId');
  const signature = req.query.get('Signature');
  const expires = req.query.get('Expires');
  if ((obsAk === null && awsAk === null) || signature === null || expires === null) return DENIED;
  const kind: ObsSignatureKind = obsAk !== null ? 'OBS' : 'AWS';
  if (!/^\d+$/.test(expires) || Number(expires) * 1000 < now) return fail(403, 'AccessDenied', 'Request has expired');
  if ((obsAk ?? awsAk) !== creds.ak) return fail(403, 'InvalidAccessKeyId', 'The access key Id you provided does not exist in our records.');
  const expected = sign(creds.sk, stringToSign(req, kind, expires, 'query'));
  return same(expected, signature) ? { ok: true, kind, form: 'query' } : BAD_SIGNATURE;
}
