/**
 * Gateway authentication of DataArts calls: AK/SK (SDK-HMAC-SHA256, verified with the very
 * canonical form the client signs with) or an `X-Auth-Token` issued by this emulator's IAM.
 */
import { timingSafeEqual } from 'node:crypto';
import { computeSignature, EMPTY_BODY_SHA256, parseSdkAuthorization, parseSdkDate, sha256Hex } from '../auth/sign-sdk.js';
import { CLOCK_SKEW_ERROR, GATEWAY_MESSAGES, MAX_CLOCK_SKEW_MS } from './service-readings.js';
import { HttpError, type Exchange } from './http.js';
import type { EmulatorState } from './state.js';

export interface AuthConfig {
  ak: string;
  sk: string;
  username: string;
}

function header(ex: Exchange, name: string): string | undefined {
  const v = ex.req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

const unauthorized = (message: string) => new HttpError(401, 'APIG.0301', message, true);

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Authenticate a DataArts call; returns the calling user. Throws HttpError 401 otherwise. */
export function authenticate(ex: Exchange, state: EmulatorState, cfg: AuthConfig, now: number): string {
  const authorization = header(ex, 'authorization');
  if (authorization !== undefined) {
    ex.log.authKind = 'aksk';
    const parsed = parseSdkAuthorization(authorization);
    if (!parsed) throw unauthorized(GATEWAY_MESSAGES.badSignature);
    const sdkDate = header(ex, 'x-sdk-date');
    if (!parsed.signedHeaders.includes('x-sdk-date') || sdkDate === undefined) throw unauthorized(GATEWAY_MESSAGES.badSignature);
    const date = parseSdkDate(sdkDate);
    if (!date) throw unauthorized(GATEWAY_MESSAGES.badSignature);
    if (Math.abs(date.getTime() - now) > MAX_CLOCK_SKEW_MS) throw new HttpError(CLOCK_SKEW_ERROR.status, CLOCK_SKEW_ERROR.errorCode, CLOCK_SKEW_ERROR.message, true);
    if (parsed.access !== cfg.ak) throw unauthorized(GATEWAY_MESSAGES.badSignature);
    const signed: [string, string][] = [];
    for (const name of parsed.signedHeaders) {
      const value = header(ex, name);
      if (value === undefined) throw unauthorized(GATEWAY_MESSAGES.badSignature);
      signed.push([name, value]);
    }
    const contentSha = header(ex, 'x-sdk-content-sha256');
    const payloadHash = contentSha ?? (ex.body.length === 0 ? EMPTY_BODY_SHA256 : sha256Hex(ex.body));
    const expected = computeSignature({ method: ex.method, wirePath: ex.wirePath, search: ex.search, signedHeaders: signed, payloadHash, sdkDate }, cfg.sk);
    if (!safeEqual(expected, parsed.signature)) throw unauthorized(GATEWAY_MESSAGES.badSignature);
    return cfg.username;
  }
  const token = header(ex, 'x-auth-token');
  if (token !== undefined) {
    ex.log.authKind = 'token';
    const record = state.tokens.get(token);
    if (!record || record.revoked) throw unauthorized(GATEWAY_MESSAGES.tokenInvalid);
    if (record.expiresAt <= now) throw unauthorized(GATEWAY_MESSAGES.tokenExpired);
    return record.user;
  }
  throw unauthorized(GATEWAY_MESSAGES.tokenMissing);
}
