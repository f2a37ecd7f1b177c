/**
 * The secrets scanner over archive entries: fed each entry as it is written (`add`), it finds
 * secrets in `.job`, `.script` and `.resource` files and keeps, for each, only where it is and a
 * fingerprint — never the value.
 *
 * - a `{name, value}` item (node property, parameter) flagged `value_is_sensitive` (true or
 *   "true") carrying a value, or a parameter that the job's `maskedParams` names (inferred: a
 *   list of parameter names), is `sensitive-property`; one whose name says secret (`password`,
 *   `db_pwd`, `sk` …) carrying a literal is `password-assignment`;
 * - every other string (and each line of a script's `content`) goes through detect.ts;
 * - a 40-character secret key is `huawei-ak-sk` only when the same file also holds an access key
 *   id (the pair is the credential; a 40-character string alone is too often something else).
 *
 * A script or resource carried by several job folders (batch layout) is scanned once: findings
 * are about the secret, not about how many copies the archive holds.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { findInText, findKeyCandidates, findPrivateKeys, isPlaceholder, isSecretName, mayHoldSecrets, type SecretKind } from './detect.js';

export interface SecretFinding {
  /** The archive entry (the first copy, for a script carried by several jobs). */
  file: string;
  /** JSON path (`nodes[load].properties.password`, `params[pw].value`) or `content line N`. */
  path: string;
  kind: SecretKind;
  /** A hash of kind, object, path and value (never a part of the value). */
  fingerprint: string;
}

/** When one value is found by several detectors, the most specific kind names it. */
const PRIORITY: SecretKind[] = ['sensitive-property', 'private-key', 'huawei-ak-sk', 'url-password', 'identified-by', 'bearer-token', 'password-assignment'];

const FINGERPRINT_HEX = 16;

/**
 * The fingerprint: stable across layouts, job folders and line moves (it hashes the object's kind
 * and name, the path without its line number, and the value), so a baseline keeps matching.
 */
export function fingerprintOf(kind: SecretKind, object: string, pathWithoutLine: string, value: string): string {
  return createHash('sha256').update(`dataarts-secret-v1\0${kind}\0${object}\0${pathWithoutLine}\0${value}`).digest('hex').slice(0, FINGERPRINT_HEX);
}

interface Raw {
  path: string;
  /** The path the fingerprint hashes (a script line's path without its number). */
  stablePath: string;
  kind: SecretKind;
  value: string;
}

const EXTENSIONS: Record<string, string> = { '.job': 'job', '.script': 'script', '.resource': 'resource' };

export class SecretScanner {
  private readonly found: SecretFinding[] = [];
  /**
   * Scripts and resources already scanned: name → the sha256 of the copy scanned (base64; a
   * short string). Not the copy itself: a small Buffer copy is a slice of Node's shared 8 KiB
   * pool and pins all of it (a 10,000-job night kept ~18 MB of pools alive for ~2 MB of scripts),
   * and scripts of 64 KB each would hold every script's content until the end of the run.
   */
  private readonly scannedDependencies = new Map<string, string>();

  /** Scan one entry as it goes into the archive (other files are ignored). */
  add(entry: string, data: Buffer): void {
    const ext = path.posix.extname(entry);
    const objectKind = EXTENSIONS[ext];
    if (objectKind === undefined) return;
    const name = path.posix.basename(entry, ext);
    const object = `${objectKind}:${name}`;
    if (objectKind !== 'job') {
      const digest = createHash('sha256').update(data).digest('base64');
      if (this.scannedDependencies.get(object) === digest) return;
      this.scannedDependencies.set(object, digest);
    }
    // Most files hold nothing like a secret: they are not decoded or parsed at all.
    if (!mayHoldSecrets(data)) return;
    for (const raw of resolve(scanFile(data.toString('utf8')))) {
      this.found.push({ file: entry, path: raw.path, kind: raw.kind, fingerprint: fingerprintOf(raw.kind, object, raw.stablePath, raw.value) });
    }
  }

  /** Every finding so far, by file then path. */
  findings(): SecretFinding[] {
    return [...this.found].sort((a, b) => (a.file === b.file ? cmp(a.path, b.path) : cmp(a.file, b.file)));
  }
}

/** Scan entries already in memory (archive show). */
export function scanEntries(entries: { name: string; data: Buffer }[]): SecretFinding[] {
  const scanner = new SecretScanner();
  for (const e of entries) scanner.add(e.name, e.data);
  return scanner.findings();
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The secret values in an already parsed job, script or resource, for masking them where changed
 * values are shown (`jobs diff`, the import's plan and read-back): the same rules as the scan.
 * Callers must never print, log or write what this returns.
 */
export function secretValuesIn(json: unknown): string[] {
  return [...new Set(resolve(scanJson(json)).map((r) => r.value))];
}

/** Raw hits of one file; a file that is not JSON is read as text, line by line. */
function scanFile(text: string): Raw[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return scanLines(text, 'line', 'text');
  }
  return scanJson(json);
}

function scanJson(json: unknown): Raw[] {
  const walker = new Walker(maskedNames(json));
  if (isObject(json) && typeof json.content === 'string') {
    const { content, ...rest } = json;
    walker.walk(rest, '');
    walker.hits.push(...scanLines(content, 'content line', 'content'));
    content.split('\n').forEach((line, i) => walker.collectKeys(line, `content line ${i + 1}`, 'content'));
  } else walker.walk(json, '');
  return [...walker.hits, ...walker.keyPairs()];
}

/** Text hits per line (`content line N`), private keys on the whole text at their first line. */
function scanLines(text: string, label: string, stablePath: string): Raw[] {
  const hits: Raw[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    for (const h of findInText(line)) hits.push({ path: `${label} ${i + 1}`, stablePath, kind: h.kind, value: h.value });
  });
  for (const k of findPrivateKeys(text)) {
    const line = text.slice(0, k.index).split('\n').length;
    hits.push({ path: `${label} ${line}`, stablePath, kind: 'private-key', value: k.value });
  }
  return hits;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** (inferred) `maskedParams`: the names of the job's parameters whose values the console masks. */
function maskedNames(json: unknown): Set<string> {
  const masked = isObject(json) && Array.isArray(json.maskedParams) ? json.maskedParams : [];
  return new Set(masked.filter((m): m is string => typeof m === 'string'));
}

function joinKey(base: string, key: string): string {
  const plain = /^[A-Za-z_$][\w$-]*$/.test(key);
  if (base === '') return plain ? key : `[${JSON.stringify(key)}]`;
  return plain ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

const PAIR_KEYS = new Set(['name', 'value', 'value_is_sensitive']);

class Walker {
  readonly hits: Raw[] = [];
  private readonly accessKeys = new Set<string>();
  private readonly secretKeys: { path: string; stablePath: string; value: string }[] = [];

  constructor(private readonly masked: Set<string>) {}

  walk(value: unknown, at: string): void {
    if (typeof value === 'string') {
      for (const h of findInText(value)) this.hits.push({ path: at, stablePath: at, kind: h.kind, value: h.value });
      for (const k of findPrivateKeys(value)) this.hits.push({ path: at, stablePath: at, kind: 'private-key', value: k.value });
      this.collectKeys(value, at, at);
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => this.walkItem(item, at, i));
    } else if (isObject(value)) {
      for (const [k, v] of Object.entries(value)) this.walk(v, joinKey(at, k));
    }
  }

  /** Named items read by name: `{name, value}` pairs as `.name`, other named objects as `[name]`. */
  private walkItem(item: unknown, at: string, index: number): void {
    if (!isObject(item) || typeof item.name !== 'string') {
      this.walk(item, `${at}[${index}]`);
      return;
    }
    const pairOnly = Object.keys(item).every((k) => PAIR_KEYS.has(k));
    const itemPath = pairOnly ? joinKey(at, item.name) : `${at}[${item.name}]`;
    const valuePath = pairOnly ? itemPath : `${itemPath}.value`;
    if (typeof item.value === 'string' && !isPlaceholder(item.value)) {
      const sensitive = item.value_is_sensitive === true || item.value_is_sensitive === 'true' || (at === 'params' && this.masked.has(item.name));
      if (sensitive) this.hits.push({ path: valuePath, stablePath: valuePath, kind: 'sensitive-property', value: item.value });
      else if (isSecretName(item.name)) this.hits.push({ path: valuePath, stablePath: valuePath, kind: 'password-assignment', value: item.value });
    }
    for (const [k, v] of Object.entries(item)) {
      if (k === 'name') continue;
      this.walk(v, k === 'value' ? valuePath : joinKey(itemPath, k));
    }
  }

  collectKeys(text: string, at: string, stablePath: string): void {
    const { accessKeys, secretKeys } = findKeyCandidates(text);
    for (const a of accessKeys) this.accessKeys.add(a);
    for (const s of secretKeys) this.secretKeys.push({ path: at, stablePath, value: s });
  }

  /** Secret keys count only when the file also holds an access key id. */
  keyPairs(): Raw[] {
    if (this.accessKeys.size === 0) return [];
    return this.secretKeys.map((s) => ({ ...s, kind: 'huawei-ak-sk' as const }));
  }
}

/**
 * One finding per secret: hits of the same value at the same path keep the most specific kind;
 * a value flagged sensitive is reported once as such, whatever else it contains.
 */
function resolve(raw: Raw[]): Raw[] {
  const best = new Map<string, Raw>();
  const sensitivePaths = new Set(raw.filter((r) => r.kind === 'sensitive-property').map((r) => r.path));
  for (const r of raw) {
    if (r.kind !== 'sensitive-property' && sensitivePaths.has(r.path)) continue;
    const key = `${r.path}\0${r.value}`;
    const have = best.get(key);
    if (!have || PRIORITY.indexOf(r.kind) < PRIORITY.indexOf(have.kind)) best.set(key, r);
  }
  return [...best.values()];
}
