/**
 * Turning a failed response into the right typed error, in one place: the service said no (4xx
 * business error → ApiError), the credentials were rejected (401/403 → AuthError, exit 3), or the
 * service/network failed (→ ServiceError, exit 6, raised by http.ts once retries are spent).
 */
import { AuthError, DataartsError, ExitCode, type ExitCodeValue } from '../errors.js';
import { redactText } from '../auth/redact.js';
import { isClockSkewMessage } from './service-inferred.js';

/** The service refused the request (a 4xx business error). */
export class ApiError extends DataartsError {
  readonly status: number;
  readonly errorCode?: string;
  readonly errorMsg?: string;
  readonly requestId?: string;
  constructor(message: string, fields: { status: number; errorCode?: string; errorMsg?: string; requestId?: string; hint?: string }) {
    super(message, exitCodeForApiError(fields.errorCode), {
      hint: fields.hint,
      details: { status: fields.status, errorCode: fields.errorCode, errorMsg: fields.errorMsg, requestId: fields.requestId },
    });
    this.status = fields.status;
    this.errorCode = fields.errorCode;
    this.errorMsg = fields.errorMsg;
    this.requestId = fields.requestId;
  }
}

/**
 * Service error codes that mean the configuration is wrong rather than the service (inferred:
 * the reference only says DLF.0819 = unknown workspace; the others name a project, a permission or
 * an OBS location the user configured). Every other business error exits 6.
 */
const CONFIG_ERROR_CODES: Record<string, string> = {
  'DLF.0819': 'check --workspace / DATAARTS_WORKSPACE / the profile\'s workspace: the service does not know this workspace id',
  'DLF.6888': 'the account lacks DataArts Studio permissions for this workspace',
  'DLF.0803': 'check the OBS path (--obs-path or the profile\'s obsStagingPath)',
  'DLF.1242': 'the OBS bucket does not exist: check --obs-path or the profile\'s obsStagingPath',
  NoSuchBucket: 'the OBS bucket does not exist: check --obs-path or the profile\'s obsStagingPath',
};

/** Reference §17: DLF.0819 = the workspace id does not exist. */
const UNKNOWN_WORKSPACE_CODE = 'DLF.0819';

/**
 * The workspace id is unknown (exit 3). Not an ApiError on purpose: nothing that retries or steps
 * down a page size for a refused request may treat it as worth another try; the first answer says it.
 */
export class UnknownWorkspaceError extends DataartsError {
  constructor(message: string, options: { hint?: string; details?: unknown }) {
    super(message, ExitCode.CONFIG, options);
  }
}

export function exitCodeForApiError(errorCode: string | undefined): ExitCodeValue {
  return errorCode !== undefined && errorCode in CONFIG_ERROR_CODES ? ExitCode.CONFIG : ExitCode.SERVICE;
}

export interface ParsedErrorBody {
  errorCode?: string;
  errorMsg?: string;
  requestId?: string;
}

/** `{error_code, error_msg}`, `{code, message}` or `{errorCode, errorMsg}`; anything else → raw text. */
export function parseErrorBody(text: string): ParsedErrorBody {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const trimmed = text.trim();
    return trimmed ? { errorMsg: trimmed.slice(0, 300) } : {};
  }
  if (body === null || typeof body !== 'object') return {};
  const b = body as Record<string, unknown>;
  const str = (...keys: string[]) => {
    for (const k of keys) if (typeof b[k] === 'string' && b[k]) return b[k] as string;
    return undefined;
  };
  return {
    errorCode: str('error_code', 'errorCode', 'code'),
    errorMsg: str('error_msg', 'errorMsg', 'message'),
    requestId: str('request_id', 'requestId'),
  };
}

/**
 * Does the rejection say the request time is off? (inferred: the gateway's wording is not
 * documented; service-inferred.ts holds the emulator's wording, and we also look for the words a
 * real gateway plausibly uses about X-Sdk-Date, skew or expiry.)
 */
export function mentionsClockSkew(text: string | undefined): boolean {
  if (!text) return false;
  if (isClockSkewMessage(text)) return true;
  return /skew|clock|x-sdk-date|request (?:has )?expired|time ?stamp|request time|date is (?:too|out)|RequestTimeTooSkewed|too (?:old|far)/i.test(text);
}

export const CLOCK_HINT = "The service says the request time is off: check this machine's clock (e.g. `date -u`; enable NTP). Requests more than 15 minutes off are rejected.";

export interface ErrorContext {
  status: number;
  body: ParsedErrorBody;
  /** Request id from the X-Request-Id header (wins over the body's request_id). */
  requestId?: string;
  method: string;
  /** Redacted URL, for the message. */
  url: string;
  /** How the request authenticated, to word an AuthError. */
  authKind: 'aksk' | 'token' | 'password' | 'none' | 'iam';
}

function describeService(ctx: ErrorContext): string {
  const parts = [ctx.body.errorCode, ctx.body.errorMsg].filter(Boolean).join(' ');
  const id = ctx.requestId ?? ctx.body.requestId;
  return `${parts || `HTTP ${ctx.status}`}${id ? ` (request id ${id})` : ''}`;
}

/** The typed error for a non-2xx answer that will not be retried. */
export function errorFromResponse(ctx: ErrorContext): DataartsError {
  const requestId = ctx.requestId ?? ctx.body.requestId;
  const said = redactText(describeService(ctx));
  const isAuthCode = ctx.body.errorCode !== undefined && /^APIGW?\.030[0-9]$/.test(ctx.body.errorCode) && ctx.status !== 429;
  if (ctx.status === 401 || (isAuthCode && ctx.status !== 403)) {
    const skew = mentionsClockSkew(ctx.body.errorMsg);
    const what =
      ctx.authKind === 'aksk'
        ? 'the service rejected the request signature (AK/SK)'
        : ctx.authKind === 'iam'
          ? 'IAM rejected the user name, password or domain'
          : 'the service rejected the IAM token (invalid or expired)';
    const hint = skew
      ? CLOCK_HINT
      : ctx.authKind === 'aksk'
        ? 'Check HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK (or the credentials file): the secret key must belong to the access key.'
        : ctx.authKind === 'iam'
          ? 'Check DATAARTS_USERNAME, DATAARTS_PASSWORD and DATAARTS_DOMAIN, and that the user may access the project.'
          : 'Get a new token (DATAARTS_TOKEN) or use AK/SK.';
    return new AuthError(`${what}: ${said}`, { hint, details: { status: ctx.status, ...ctx.body, requestId } });
  }
  if (ctx.status === 403) {
    const skew = mentionsClockSkew(ctx.body.errorMsg) || mentionsClockSkew(ctx.body.errorCode);
    if (ctx.body.errorCode === 'SignatureDoesNotMatch' || ctx.body.errorCode === 'InvalidAccessKeyId') {
      return new AuthError(`OBS rejected the request signature: ${said}`, {
        hint: 'Check HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK (or the credentials file): the secret key must belong to the access key.',
        details: { status: ctx.status, ...ctx.body, requestId },
      });
    }
    return new AuthError(`access denied by the service: ${said}`, {
      hint: skew ? CLOCK_HINT : 'Check that the credentials belong to a user with DataArts Studio permissions on this project and workspace.',
      details: { status: ctx.status, ...ctx.body, requestId },
    });
  }
  const code = ctx.body.errorCode;
  if (code === UNKNOWN_WORKSPACE_CODE) {
    return new UnknownWorkspaceError(`the service does not know this workspace: ${said}`, {
      hint: CONFIG_ERROR_CODES[code],
      details: { status: ctx.status, ...ctx.body, requestId },
    });
  }
  return new ApiError(`${ctx.method} ${ctx.url} failed: ${said}`, {
    status: ctx.status,
    errorCode: code,
    errorMsg: ctx.body.errorMsg,
    requestId,
    hint: code !== undefined ? CONFIG_ERROR_CODES[code] : undefined,
  });
}
