/**
 * OBS: staging the import archive (one signed PUT of a file and a DELETE, reference §13), and the
 * object operations an `obs://` backup repository needs (GET, streamed GET to a file, HEAD with
 * user metadata, PUT of bytes or streamed from a file, the bucket listing).
 * Objects are addressed virtual-host style on the default endpoint and path style on a custom one
 * (contract). OBS only understands its own AK/SK signature, so token or IAM-user credentials
 * cannot reach it.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import type { Readable } from 'node:stream';
import { obsAuthorization } from '../auth/sign-obs.js';
import { encodeRfc3986 } from '../auth/sign-sdk.js';
import type { Credentials, ResolvedConfig } from '../config/types.js';
import { ConfigError, UsageError } from '../errors.js';
import { ApiError, type ParsedErrorBody } from './errors.js';
import type { HttpClient, HttpRequest, Method } from './http.js';
import { missingEndpointError } from '../config/load.js';
import { digestFile } from '../util/file-digest.js';

/** `obs://bucket/prefix/` → bucket and prefix (prefix '' or ending in '/'). */
export function parseObsPath(s: string): { bucket: string; prefix: string } {
  const m = /^obs:\/\/([^/]+)(?:\/(.*))?$/.exec(s.trim());
  const bucket = m?.[1];
  // Bucket names: 3-63 of lower-case letters, digits, '-' and '.', starting and ending alphanumeric.
  if (!m || !bucket || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new UsageError(`not an OBS path: ${JSON.stringify(s)}`, { hint: 'Write it as obs://BUCKET/PREFIX/ (bucket: 3-63 lower-case letters, digits, - and .).' });
  }
  let prefix = (m[2] ?? '').replace(/^\/+/, '');
  if (prefix.split('/').some((part) => part === '..' || part === '.')) throw new UsageError(`OBS path ${JSON.stringify(s)} may not contain '.' or '..' segments`);
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  return { bucket, prefix };
}

/** `<Error><Code/><Message/><RequestId/></Error>` → code, message and request id. */
export function parseObsError(text: string): ParsedErrorBody {
  const tag = (name: string) => new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(text)?.[1]?.trim();
  const code = tag('Code');
  const message = tag('Message');
  if (code || message) return { errorCode: code, errorMsg: message, requestId: tag('RequestId') };
  const trimmed = text.trim();
  return trimmed ? { errorMsg: trimmed.slice(0, 300) } : {};
}

export interface ObsClientDeps {
  http: HttpClient;
  now: () => Date;
  config: Pick<ResolvedConfig, 'obsEndpoint' | 'obsEndpointIsCustom' | 'region'>;
  credentials: Credentials;
}

export class ObsClient {
  constructor(private readonly deps: ObsClientDeps) {}

  private aksk(): Extract<Credentials, { kind: 'aksk' }> {
    const c = this.deps.credentials;
    if (c.kind !== 'aksk') {
      throw new ConfigError(`OBS needs AK/SK credentials, but this run authenticates with ${c.kind === 'token' ? 'an IAM token (DATAARTS_TOKEN)' : 'an IAM user (DATAARTS_USERNAME)'}`, {
        key: 'HUAWEICLOUD_SDK_AK',
        hint: "Set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (or the profile's credentialsFile) to stage archives in OBS.",
      });
    }
    return c;
  }

  /** URL of an object and the resource string the signature covers. */
  objectUrl(bucket: string, key: string): { url: string; resource: string } {
    const encodedKey = key.split('/').map(encodeRfc3986).join('/');
    const { obsEndpoint, obsEndpointIsCustom } = this.deps.config;
    if (obsEndpoint === '') throw missingEndpointError('obsEndpoint');
    const base = new URL(obsEndpoint);
    const url = obsEndpointIsCustom
      ? `${obsEndpoint}/${bucket}/${encodedKey}`
      : `${base.protocol}//${bucket}.${base.host}/${encodedKey}`;
    return { url, resource: `/${bucket}/${encodedKey}` };
  }

  private request(method: Method, object: { bucket: string; key: string; query?: string }, content?: ObjectContent): HttpRequest {
    const { bucket, key } = object;
    const body = content?.body;
    const contentType = content?.contentType ?? '';
    const creds = this.aksk();
    const { url, resource } = this.objectUrl(bucket, key);
    const contentMd5 = content ? content.md5 ?? createHash('md5').update(body ?? Buffer.alloc(0)).digest('base64') : '';
    const headers: Record<string, string> = {};
    if (content) {
      headers['Content-Type'] = contentType;
      headers['Content-MD5'] = contentMd5;
      headers['Content-Length'] = String(content.length ?? body?.length ?? 0);
      for (const [name, value] of Object.entries(content.meta ?? {})) headers[`x-obs-meta-${name}`] = value;
    }
    if (creds.securityToken) headers['x-obs-security-token'] = creds.securityToken;
    return {
      method,
      url: object.query ? `${url}?${object.query}` : url,
      headers,
      body,
      ...(content?.stream ? { stream: content.stream } : {}),
      apiClass: 'none',
      // PUT of the same bytes and DELETE are idempotent: safe to repeat.
      safe: true,
      authKind: 'aksk',
      parseError: parseObsError,
      // Date and signature per attempt, so a retry is not rejected as stale.
      authorize: async (req) => {
        const date = this.deps.now().toUTCString();
        const all = { ...req.headers, Date: date };
        const authorization = obsAuthorization(
          { method, contentMd5, contentType: content ? contentType : '', date, headers: all, resource },
          creds.ak,
          creds.sk,
        );
        return { ...all, Authorization: authorization };
      },
    };
  }

  async putObject(bucket: string, key: string, filePath: string): Promise<{ etag?: string }> {
    const body = await fs.readFile(filePath);
    const res = await this.deps.http.send(this.request('PUT', { bucket, key }, { body, contentType: 'application/zip' }));
    return { etag: res.headers['etag'] };
  }

  /**
   * HEAD Bucket, signed: resolves when the bucket exists and these credentials may use it; a
   * missing bucket is ApiError NoSuchBucket-like (404), refused credentials AuthError (403).
   */
  async headBucket(bucket: string): Promise<void> {
    await this.deps.http.send(this.request('HEAD', { bucket, key: '' }));
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    await this.deps.http.send(this.request('DELETE', { bucket, key }));
  }

  /** PUT bytes (replacing the object whole: OBS never shows a half-written object). */
  async putBytes(bucket: string, key: string, body: Buffer, options: { contentType: string; meta?: Record<string, string> }): Promise<void> {
    await this.deps.http.send(this.request('PUT', { bucket, key }, { body, ...options }));
  }

  /**
   * PUT a local file, streamed (read again for each attempt, never held in memory); its MD5 is
   * computed first (Content-MD5: OBS refuses bytes that changed on the way). One PUT takes up to
   * 5 GB (reference §13), far above any workspace export (10,000 jobs).
   */
  async putFile(bucket: string, key: string, file: string, options: { contentType: string; meta?: Record<string, string> }): Promise<{ md5: string; bytes: number }> {
    const { digest, bytes } = await digestFile(file, 'md5');
    await this.deps.http.send(this.request('PUT', { bucket, key }, { ...options, md5: digest.toString('base64'), length: bytes, stream: () => createReadStream(file) }));
    return { md5: digest.toString('hex'), bytes };
  }

  /** The object's bytes, or undefined when there is no such object. */
  async getBytes(bucket: string, key: string): Promise<Buffer | undefined> {
    return absentAsUndefined(async () => (await this.deps.http.send(this.request('GET', { bucket, key }))).body);
  }

  /** Stream the object into a local file (its length checked); undefined when there is no such object. */
  async download(bucket: string, key: string, file: string): Promise<{ bytes: number } | undefined> {
    return absentAsUndefined(() => this.deps.http.download(this.request('GET', { bucket, key }), file));
  }

  /** Size, ETag (the MD5 of a single-PUT object, hex) and user metadata; undefined when absent. */
  async head(bucket: string, key: string): Promise<ObjectHead | undefined> {
    return absentAsUndefined(async () => {
      // A HEAD answer has no body, whatever its Content-Length says (the object's size).
      const res = await this.deps.http.execute(this.request('HEAD', { bucket, key }), async (_status, headers, body) => {
        body.resume();
        return { headers };
      });
      const meta: Record<string, string> = {};
      for (const [name, value] of Object.entries(res.headers)) if (name.startsWith('x-obs-meta-')) meta[name.slice('x-obs-meta-'.length)] = value;
      return { size: Number(res.headers['content-length'] ?? 0), etag: (res.headers['etag'] ?? '').replace(/"/g, ''), meta };
    });
  }

  /** Every object whose key starts with `prefix` (the bucket listing, page by page). */
  async list(bucket: string, prefix: string): Promise<ListedObject[]> {
    const out: ListedObject[] = [];
    let marker = '';
    for (;;) {
      const query = `marker=${encodeRfc3986(marker)}&max-keys=1000&prefix=${encodeRfc3986(prefix)}`;
      const res = await this.deps.http.send(this.request('GET', { bucket, key: '', query }));
      const page = parseListing(res.body.toString('utf8'));
      out.push(...page.objects);
      if (!page.truncated) return out;
      const next = page.nextMarker ?? page.objects[page.objects.length - 1]?.key;
      if (next === undefined || next === marker) return out;
      marker = next;
    }
  }
}

interface ObjectContent {
  contentType: string;
  body?: Buffer;
  /** Streamed bodies: a fresh stream per attempt, with its MD5 (base64) and length known. */
  stream?: () => Readable;
  md5?: string;
  length?: number;
  meta?: Record<string, string>;
}

export interface ObjectHead {
  size: number;
  etag: string;
  meta: Record<string, string>;
}

export interface ListedObject {
  key: string;
  size: number;
  etag: string;
}

async function absentAsUndefined<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

function xmlText(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (e[0] !== '#') return named[e.toLowerCase()]!;
    return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
  });
}

/** A `ListBucketResult` document: its objects, whether more follow, and where to go on. */
export function parseListing(xml: string): { objects: ListedObject[]; truncated: boolean; nextMarker?: string } {
  const tag = (text: string, name: string) => new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(text)?.[1];
  const objects = [...xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)].map((m) => ({
    key: xmlText(tag(m[1]!, 'Key') ?? ''),
    size: Number(tag(m[1]!, 'Size') ?? 0),
    etag: xmlText(tag(m[1]!, 'ETag') ?? '').replace(/"/g, ''),
  }));
  const next = tag(xml, 'NextMarker');
  return { objects, truncated: tag(xml, 'IsTruncated') === 'true', ...(next === undefined ? {} : { nextMarker: xmlText(next) }) };
}
