/**
 * SDK-HMAC-SHA256, the API gateway signature for AK/SK (reference §12; rules confirmed against the
 * official SDK in shared/docs/stack.md). Pure: the clock is a parameter, nothing is read from the
 * environment. The emulator verifies with the same canonical form, so both sides cannot drift.
 */
import { createHash, createHmac } from 'node:crypto';

export const SDK_ALGORITHM = 'SDK-HMAC-SHA256';
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface AkSkCredentials {
  ak: string;
  sk: string;
  /** For temporary keys: sent as `X-Security-Token` and signed like every header. */
  securityToken?: string;
}

export interface SignableRequest {
  method: string;
  /** Full URL as it goes on the wire (path already percent-encoded, query included). */
  url: string;
  /** Headers that will be sent (any case). `Host` is added from the URL when absent. */
  headers: Record<string, string>;
  /** Exact body bytes; omitted or empty for no body. */
  body?: Uint8Array | string;
}

/** RFC 3986 encoding: only A-Z a-z 0-9 - _ . ~ stay as they are; %XY upper case. */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `YYYYMMDDTHHmmssZ` in UTC. */
export function formatSdkDate(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/** Parse an `X-Sdk-Date` value; undefined when malformed. */
export function parseSdkDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** Each segment of the wire path encoded again, and a trailing `/` always appended. */
export function canonicalUri(wirePath: string): string {
  const encoded = wirePath.split('/').map(encodeRfc3986).join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

/** Query pairs sorted by name (then value), both encoded; empty values keep `=`. */
export function canonicalQuery(search: string): string {
  const pairs: [string, string][] = [];
  for (const [k, v] of new URLSearchParams(search)) pairs.push([encodeRfc3986(k), encodeRfc3986(v)]);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface CanonicalParts {
  method: string;
  wirePath: string;
  search: string;
  /** Lower-cased header name → value, for the headers that are signed. */
  signedHeaders: [string, string][];
  payloadHash: string;
  sdkDate: string;
}

/** StringToSign and signature from the canonical parts (shared by signer and verifier). */
export function computeSignature(parts: CanonicalParts, sk: string): string {
  const sorted = [...parts.signedHeaders].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const canonicalRequest = [
    parts.method.toUpperCase(),
    canonicalUri(parts.wirePath),
    canonicalQuery(parts.search),
    sorted.map(([k, v]) => `${k}:${v}\n`).join(''),
    sorted.map(([k]) => k).join(';'),
    parts.payloadHash,
  ].join('\n');
  const stringToSign = `${SDK_ALGORITHM}\n${parts.sdkDate}\n${sha256Hex(canonicalRequest)}`;
  return createHmac('sha256', sk).update(stringToSign).digest('hex');
}

/**
 * Sign a request. Returns the complete header set to send: the caller's headers plus `X-Sdk-Date`,
 * `X-Security-Token` (temporary keys) and `Authorization`. Every header present is signed.
 */
export function signSdkRequest(req: SignableRequest, cred: AkSkCredentials, now: Date): Record<string, string> {
  const url = new URL(req.url);
  const headers: Record<string, string> = { ...req.headers };
  const has = (name: string) => Object.keys(headers).some((k) => k.toLowerCase() === name);
  if (!has('x-sdk-date')) headers['X-Sdk-Date'] = formatSdkDate(now);
  if (cred.securityToken && !has('x-security-token')) headers['X-Security-Token'] = cred.securityToken;
  if (!has('host')) headers['Host'] = url.host;

  const signed: [string, string][] = [];
  let payloadHash: string | undefined;
  let sdkDate = '';
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'authorization') continue;
    if (lower === 'content-type' && value.toLowerCase().startsWith('multipart/form-data')) continue;
    if (lower === 'x-sdk-content-sha256') payloadHash = value;
    if (lower === 'x-sdk-date') sdkDate = value;
    signed.push([lower, value]);
  }
  const body = req.body ?? '';
  payloadHash ??= body.length === 0 ? EMPTY_BODY_SHA256 : sha256Hex(body);

  const signature = computeSignature(
    { method: req.method, wirePath: url.pathname, search: url.search, signedHeaders: signed, payloadHash, sdkDate },
    cred.sk,
  );
  const signedNames = signed.map(([k]) => k).sort().join(';');
  headers['Authorization'] = `${SDK_ALGORITHM} Access=${cred.ak}, SignedHeaders=${signedNames}, Signature=${signature}`;
  return headers;
}

/** Parse an `Authorization: SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…` header. */
export function parseSdkAuthorization(value: string): { access: string; signedHeaders: string[]; signature: string } | undefined {
  const m = /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)$/.exec(value.trim());
  if (!m) return undefined;
  return { access: m[1]!, signedHeaders: m[2]!.split(';'), signature: m[3]! };
}
