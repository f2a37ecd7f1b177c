/**
 * `--secrets-baseline FILE`: fingerprints of findings someone looked at and accepted (like
 * detect-secrets' baseline). The file is what `dataarts archive show ARCHIVE --secrets --json`
 * prints (`{…, secrets: [{fingerprint, …}]}`); the `--json` result of an export is read the same
 * way, so is the `--json` error document of a `--fail-on-secrets` refusal (`error.details.secrets`),
 * and so is a bare list of fingerprints or of `{fingerprint}` objects. Read before the first
 * request, so a bad baseline costs nothing.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LocalFileError, UsageError } from '../errors.js';
import type { SecretsPolicy } from './policy.js';

const FINGERPRINT = /^[0-9a-f]{8,64}$/;

async function readSecretsBaseline(cwd: string, file: string): Promise<Set<string>> {
  const where = path.resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(where, 'utf8');
  } catch (err) {
    throw LocalFileError.from(err, 'read', where);
  }
  const bad = (why: string) =>
    new UsageError(`--secrets-baseline ${where} is not a secrets baseline: ${why}`, {
      hint: 'Make one with: dataarts archive show ARCHIVE --secrets --json > FILE',
    });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw bad('not valid JSON');
  }
  // A result (archive show, an export) has `secrets`; a --fail-on-secrets refusal `error.details.secrets`.
  const record = doc as { secrets?: unknown; error?: { details?: { secrets?: unknown } } } | null;
  const list = Array.isArray(doc) ? doc : record?.secrets ?? record?.error?.details?.secrets;
  if (!Array.isArray(list)) throw bad('expected a "secrets" list or a list of fingerprints');
  const accepted = new Set<string>();
  list.forEach((item, i) => {
    const fp = typeof item === 'string' ? item : (item as { fingerprint?: unknown } | null)?.fingerprint;
    if (typeof fp !== 'string' || !FINGERPRINT.test(fp)) throw bad(`item ${i + 1} has no fingerprint (hex)`);
    accepted.add(fp);
  });
  return accepted;
}

/** The policy from the flags: `--fail-on-secrets` and the baseline read now, before any request. */
export async function loadSecretsPolicy(cwd: string, flags: { failOnSecrets?: boolean; secretsBaseline?: string }): Promise<SecretsPolicy> {
  return {
    failOnSecrets: flags.failOnSecrets === true,
    ...(flags.secretsBaseline === undefined ? {} : { baseline: await readSecretsBaseline(cwd, flags.secretsBaseline) }),
  };
}
