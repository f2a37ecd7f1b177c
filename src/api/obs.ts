/**
 * OBS, for staging the import archive: one signed PUT of a file and a DELETE (reference §13).
 * Objects are addressed virtual-host style on the default endpoint and path style on a custom one
 * (contract). OBS only understands its own AK/SK signature, so token or IAM-user credentials
 * cannot reach it.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { obsAuthorization } from '../auth/sign-obs.js';
import { encodeRfc3986 } from '../auth/sign-sdk.js';
import type { Credentials, ResolvedConfig } from '../config/types.js';
import { ConfigError, UsageError } from '../errors.js';
import type { ParsedErrorBody } from './errors.js';
import type { HttpClient, HttpRequest, Method } from './http.js';
import { missingEndpointError } from '../config/load.js';

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

  private request(method: Method, object: { bucket: string; key: string }, content?: { body: Buffer; contentType: string }): HttpRequest {
    const { bucket, key } = object;
    const body = content?.body;
    const contentType = content?.contentType ?? '';
    const creds = this.aksk();
    const { url, resource } = this.objectUrl(bucket, key);
    const contentMd5 = body ? createHash('md5').update(body).digest('base64') : '';
    const headers: Record<string, string> = {};
    if (body) {
      headers['Content-Type'] = contentType;
      headers['Content-MD5'] = contentMd5;
      headers['Content-Length'] = String(body.length);
    }
    if (creds.securityToken) headers['x-obs-security-token'] = creds.securityToken;
    return {
      method,
      url,
      headers,
      body,
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
          { method, contentMd5, contentType: body ? contentType : '', date, headers: all, resource },
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
}
