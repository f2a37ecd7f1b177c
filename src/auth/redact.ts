/**
 * Scrubbing secrets from anything that is printed or logged. Two layers: patterns for the places a
 * secret is known to sit (Authorization, X-Auth-Token, X-Subject-Token, X-Security-Token, signatures,
 * passwords in JSON), and the exact secret values of this run, registered as soon as they are read.
 * The value list is process-wide on purpose: a secret must stay hidden whichever code path prints.
 */

const secretValues = new Set<string>();

/** Remember a secret value (SK, token, password) so it is scrubbed from all output. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) secretValues.add(value);
}

export const REDACTED = '***';

const PATTERNS: [RegExp, string][] = [
  [/(Signature=)[0-9a-fA-F]+/g, `$1${REDACTED}`],
  [/(Access=)[^,\s]+/g, `$1${REDACTED}`],
  [/(\bOBS [^:\s]+:)[A-Za-z0-9+/=]+/g, `$1${REDACTED}`],
  [/("(?:password|sk|secret|secretKey|secret_key|token|securityToken|security_token)"\s*:\s*")[^"]*(")/gi, `$1${REDACTED}$2`],
  [/((?:authorization|x-auth-token|x-subject-token|x-security-token)\s*[:=]\s*)[^\s,;]+/gi, `$1${REDACTED}`],
  [/([?&](?:AccessKeyId|Signature|token|x-obs-security-token)=)[^&\s]+/gi, `$1${REDACTED}`],
];

/** Scrub secrets from free text (error messages, URLs, log lines, stacks). */
export function redactText(text: string): string {
  let out = text;
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  for (const secret of secretValues) out = out.split(secret).join(REDACTED);
  return out;
}
