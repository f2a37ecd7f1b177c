/**
 * What a secret looks like in a job, script or resource: pure detectors over one string, with no
 * knowledge of archives. Each returns the secret part of the text (never shown; only hashed into
 * a fingerprint by scan.ts) and its kind.
 *
 * False positives are kept low on purpose (a warning everyone learns to ignore protects nobody):
 * a value that is a parameter reference (`${x}`, `#{Job…}`, `$VAR`, `$(cmd)`), a placeholder
 * (`?`, `:name`, `%s`, `<password>`, `****`, `{{x}}`) or empty is never a finding, and an
 * unquoted SQL right-hand side (`password = u.password`) is not an assignment of a literal.
 */

export type SecretKind =
  | 'sensitive-property'
  | 'url-password'
  | 'password-assignment'
  | 'identified-by'
  | 'huawei-ak-sk'
  | 'private-key'
  | 'bearer-token';

export interface TextHit {
  kind: SecretKind;
  /** The secret itself; never printed or written. */
  value: string;
}

/** A name (a key, a parameter or property name) that says its value is a secret. */
const SECRET_NAME = /(?:password|passwd|passwort|pwd|secret|token|secret[_.-]?(?:access[_.-]?)?key|api[_.-]?key|private[_.-]?key|(?:^|[^a-z])sk)$/i;

/** Whether a property, parameter or key of this name holds a secret by its name alone. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name.trim());
}

/**
 * Values that only refer to a secret kept elsewhere, or stand in for one: not findings.
 * DataArts parameters `${name}` and EL `#{…}`, shell `$VAR`/`${VAR}`/`$(cmd)`, JDBC/SQL bind
 * markers, printf/format markers, `<placeholder>`, masks, templates and the literal no-values.
 */
export function isPlaceholder(value: string): boolean {
  const v = value.trim().replace(/^(['"])(.*)\1$/s, '$2').trim();
  if (v === '') return true;
  // A value that starts with a reference is built from parameters (`${user}_suffix`, `#{Job.x("y")}` cut at a quote).
  if (/^[$#]\{/.test(v) || /^\$[A-Za-z_][A-Za-z0-9_]*$/.test(v) || /^\$\(.*\)$/.test(v)) return true;
  if (/^(?:\?|:[A-Za-z_]\w*|%[sd]|%\([A-Za-z_]\w*\)s|\{\{.*\}\}|\{\w*\}|<[^>]*>|\*+|x{3,}|null|none|nil|undefined|true|false|changeme|password|your[_-]?password|\.\.\.)$/i.test(v)) return true;
  return false;
}

// ---- text detectors ------------------------------------------------------------------------

/** A URL's user-info password: scheme://user:PASSWORD@host (JDBC URLs included). */
const URL_USERINFO = /\b[a-z][a-z0-9+.-]*:\/\/([^\s/?#@:'"]*):([^\s/?#@'"]+)@[^\s/?#@'"]/gi;
/** Oracle's thin JDBC form: jdbc:oracle:thin:user/PASSWORD@host. */
const ORACLE_THIN = /\bjdbc:oracle:(?:thin|oci):([^\s/@:'"]+)\/([^\s@'"]+)@/gi;
/** KEY = 'value' / KEY: "value" (any spacing), where KEY ends in a secret word. */
const QUOTED_ASSIGNMENT = /([A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|key|sk))["']?\s*(?:=|:|=>)\s*(['"])((?:(?!\2)[^\\\n]|\\.)*)\2/gi;
/** KEY=value with nothing around '=' (shell, properties files, URL query strings, CLI flags). */
const BARE_ASSIGNMENT = /([A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|key|sk))=([^\s'"&;,)]+)/gi;
/** SQL: IDENTIFIED BY 'x' (Oracle, MySQL, GaussDB/DWS) and [WITH] PASSWORD 'x' (PostgreSQL, DWS). */
const IDENTIFIED_BY = /\bidentified\s+by\s+(?:(['"])((?:(?!\1).)+)\1|([^\s;'"]+))|\bpassword\s+(['"])((?:(?!\4).)+)\4/gi;
/** A PEM private key, from its BEGIN line to its END line (or the end of the text). */
const PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g;
const BEARER = /\bbearer\s+([A-Za-z0-9._~+/-]{16,}=*)/gi;

/** A Huawei Cloud access key id: 20 upper-case letters and digits, with both. */
const ACCESS_KEY_ID = /(?<![A-Za-z0-9])(?=[A-Z0-9]*[A-Z])(?=[A-Z0-9]*[0-9])[A-Z0-9]{20}(?![A-Za-z0-9])/g;
/** A secret access key: 40 letters and digits, upper, lower and digits all present (so not hex). */
const SECRET_ACCESS_KEY = /(?<![A-Za-z0-9/+])(?=[A-Za-z0-9]*[A-Z])(?=[A-Za-z0-9]*[a-z])(?=[A-Za-z0-9]*[0-9])[A-Za-z0-9]{40}(?![A-Za-z0-9/+])/g;

/** A cheap first look: text without any of these cannot hold a finding of the text detectors. */
const MAYBE = /:\/\/|password|passwd|pwd|secret|token|key|sk\b|identified|bearer|jdbc:oracle/i;

/**
 * Whether a whole file's text may hold a finding of any detector (the flag, masked parameters,
 * secret-like names and keys, user-info in a URL, SQL passwords, bearer tokens, private keys, an
 * access key id). A superset of what the detectors find, cheap enough to run on every file so that
 * the many files with none of it are not parsed at all.
 */
const FILE_MAYBE = /passw|pwd|secret|token|key|sk["'\s=:]|identified|bearer|jdbc:oracle|value_is_sensitive|maskedParams"\s*:\s*\[\s*"|:\/\/[^\s\/?#@'"]*@/i;

export function mayHoldSecrets(file: Buffer): boolean {
  return hasAccessKeyShape(file) || FILE_MAYBE.test(file.toString('latin1'));
}

/**
 * A run of 20 upper-case letters or digits (an access key id's shape), by a loop over the bytes:
 * several times faster than the regular expression on large archives.
 */
function hasAccessKeyShape(bytes: Buffer): boolean {
  let run = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if ((b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39)) {
      if (++run === 20) return true;
    } else run = 0;
  }
  return false;
}

/** Secrets in one string (a JSON value or one script line), in order of appearance. */
export function findInText(text: string): TextHit[] {
  if (!MAYBE.test(text)) return [];
  const hits: TextHit[] = [];
  const add = (kind: SecretKind, value: string | undefined) => {
    if (value !== undefined && !isPlaceholder(value)) hits.push({ kind, value });
  };
  for (const m of text.matchAll(URL_USERINFO)) add('url-password', m[2]);
  for (const m of text.matchAll(ORACLE_THIN)) add('url-password', m[2]);
  for (const m of text.matchAll(BEARER)) add('bearer-token', m[1]);
  for (const m of text.matchAll(IDENTIFIED_BY)) add('identified-by', m[2] ?? m[3] ?? m[5]);
  const assigned = new Set<string>();
  for (const m of text.matchAll(QUOTED_ASSIGNMENT)) {
    if (!isSecretName(m[1]!)) continue;
    assigned.add(m[3]!);
    add('password-assignment', m[3]);
  }
  for (const m of text.matchAll(BARE_ASSIGNMENT)) {
    if (!isSecretName(m[1]!) || assigned.has(m[2]!)) continue;
    add('password-assignment', m[2]);
  }
  return dedupe(hits);
}

/**
 * PEM private keys in a whole text (they span lines, so scripts are searched whole, not line by
 * line), with the offset each starts at. The value is the whole block, so two keys differ.
 */
export function findPrivateKeys(text: string): { value: string; index: number }[] {
  if (!text.includes('PRIVATE KEY')) return [];
  return [...text.matchAll(PRIVATE_KEY)].map((m) => ({ value: m[0], index: m.index }));
}

/** Candidate access key ids and secret keys in a string (paired per file by scan.ts). */
export function findKeyCandidates(text: string): { accessKeys: string[]; secretKeys: string[] } {
  if (text.length < 20) return { accessKeys: [], secretKeys: [] };
  return {
    accessKeys: [...text.matchAll(ACCESS_KEY_ID)].map((m) => m[0]),
    secretKeys: text.length < 40 ? [] : [...text.matchAll(SECRET_ACCESS_KEY)].map((m) => m[0]),
  };
}

/** One hit per value: a password in `jdbc:…//u:p@h?password=p` is one secret, not two. */
function dedupe(hits: TextHit[]): TextHit[] {
  const seen = new Set<string>();
  return hits.filter((h) => {
    if (seen.has(h.value)) return false;
    seen.add(h.value);
    return true;
  });
}
