/**
 * What happens to the findings of an archive being written: accepted ones (in the baseline) are
 * set aside; the rest are either one grouped warning on stderr (at most 10 lines, whatever their
 * number), or, under `--fail-on-secrets`, a refusal (exit 4) raised before anything is committed.
 * No value is ever passed here: findings carry only where, what kind, and a fingerprint.
 */
import { RefusedError } from '../errors.js';
import type { Ui } from '../output/ui.js';
import { count } from '../output/plural.js';
import type { SecretFinding } from './scan.js';

export interface SecretsPolicy {
  /** Refuse (exit 4, nothing written) when a finding is not in the baseline. */
  failOnSecrets: boolean;
  /** Accepted fingerprints (`--secrets-baseline`). */
  baseline?: Set<string>;
}

export interface SecretsOutcome {
  /** Findings not in the baseline: reported. */
  reported: SecretFinding[];
  /** How many the baseline accepted. */
  accepted: number;
}

/** Findings shown in the warning before "and N more": header + these + tail stay within 10 lines. */
const SHOWN = 7;
const MAX_LINE = 200;

/** Split findings by the baseline; refuse under --fail-on-secrets; else warn once. */
export function applySecretsPolicy(ui: Ui, findings: SecretFinding[], policy: SecretsPolicy, archive: string): SecretsOutcome {
  const reported = policy.baseline ? findings.filter((f) => !policy.baseline!.has(f.fingerprint)) : findings;
  const outcome = { reported, accepted: findings.length - reported.length };
  if (reported.length === 0) return outcome;
  // The warning shows the first few; --verbose has every one (still never a value).
  for (const f of reported.slice(SHOWN)) ui.debug(findingLine(f));
  if (policy.failOnSecrets) {
    // Nothing was written, so the rest are pointed to where they are: --verbose and the --json error.
    const lines = findingLines(reported, 'all: --verbose, or error.details.secrets with --json');
    ui.warn(`${count(reported.length, 'secret')} in what would be written (values not shown):\n${lines.join('\n')}`);
    throw new RefusedError(
      `refused by --fail-on-secrets: ${count(reported.length, 'secret')} found; nothing was written`,
      reported.map((f) => ({ subject: f.file, reason: `${f.kind} at ${f.path} (fingerprint ${f.fingerprint})` })),
      {
        hint: 'Move the values into parameters (${name}) or sensitive connections, or accept them with --secrets-baseline FILE (FILE: this run\'s --json output).',
        // The same list as a result's: this error document is itself a baseline.
        details: { secrets: reported },
      },
    );
  }
  const lines = findingLines(reported, `all: dataarts archive show ${archive} --secrets`);
  ui.warn(`${count(reported.length, 'secret')} in ${archive} (values not shown):\n${lines.join('\n')}\n${fit('  --fail-on-secrets refuses such an archive; --secrets-baseline FILE accepts known fingerprints')}`);
  return outcome;
}

/** One line per finding (the first few), then how many more and where to see them all. */
export function findingLines(findings: SecretFinding[], whereAll: string): string[] {
  const lines = findings.slice(0, SHOWN).map(findingLine);
  if (findings.length > SHOWN) {
    const files = new Set(findings.slice(SHOWN).map((f) => f.file)).size;
    lines.push(fit(`  … and ${findings.length - SHOWN} more in ${count(files, 'file')} (${whereAll})`));
  }
  return lines;
}

function findingLine(f: SecretFinding): string {
  return fit(`  ${subjectOf(f.file)}: ${f.path}  ${f.kind}  ${f.fingerprint}`);
}

/** `jobs/load/load.job` → `job load`; `jobs/load/s1.script` → `script s1 (job load)`. */
export function subjectOf(file: string): string {
  const parts = file.split('/');
  const base = parts[parts.length - 1]!;
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return file;
  const [kind, name] = [base.slice(dot + 1), base.slice(0, dot)];
  const carrier = parts.length === 3 && parts[0] === 'jobs' && kind !== 'job' ? ` (job ${parts[1]})` : '';
  return `${kind} ${name}${carrier}`;
}

function fit(line: string): string {
  return line.length <= MAX_LINE ? line : `${line.slice(0, MAX_LINE - 1)}…`;
}
