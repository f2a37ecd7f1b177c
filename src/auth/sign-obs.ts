/**
 * The OBS native signature (reference §13): `Authorization: OBS {AK}:{Base64(HMAC-SHA1(SK, StringToSign))}`.
 * Pure; the emulator verifies with the same function.
 */
import { createHmac } from 'node:crypto';

export interface ObsStringToSignParts {
  method: string;
  contentMd5: string;
  contentType: string;
  /** RFC 1123 `Date`; must be empty when `x-obs-date` is among the headers. */
  date: string;
  /** All request headers (any case); the `x-obs-*` ones are canonicalised. */
  headers: Record<string, string>;
  /** `/{bucket}/{objectKey}` with the key as it appears (encoded) in the request path. */
  resource: string;
}

export function obsStringToSign(p: ObsStringToSignParts): string {
  const obs = new Map<string, string[]>();
  for (const [name, value] of Object.entries(p.headers)) {
    const lower = name.toLowerCase();
    if (!lower.startsWith('x-obs-')) continue;
    obs.set(lower, [...(obs.get(lower) ?? []), value.trim()]);
  }
  const canonicalHeaders = [...obs.keys()].sort().map((k) => `${k}:${obs.get(k)!.join(',')}\n`).join('');
  return `${p.method.toUpperCase()}\n${p.contentMd5}\n${p.contentType}\n${p.date}\n${canonicalHeaders}${p.resource}`;
}

export function obsSignature(p: ObsStringToSignParts, sk: string): string {
  return createHmac('sha1', sk).update(obsStringToSign(p), 'utf8').digest('base64');
}

export function obsAuthorization(p: ObsStringToSignParts, ak: string, sk: string): string {
  return `OBS ${ak}:${obsSignature(p, sk)}`;
}
