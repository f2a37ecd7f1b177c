/**
 * The import refusal renderer at scale, without a service: 3,000 synthetic refusals (missing
 * connections and scripts, running jobs, other reasons) give a short message that names each
 * missing reference with a count and the first jobs, what to do, and every refusal in the
 * details. import-release.test.ts runs one small refusal end to end.
 */
import { describe, expect, test } from '@jest/globals';
import { importRefusal, type MissingReference } from '../../src/import/refusals.js';
import type { Refusal } from '../../src/errors.js';

const job = (i: number) => `job_${String(i).padStart(5, '0')}`;

/** 3,000 jobs: each uses one of 5 missing connections; every 10th also a missing script; every 7th runs. */
function synthetic(): { refusals: Refusal[]; missing: MissingReference[] } {
  const connections = ['dws_main', 'dws_archive', 'hive_ods', 'hive_dw', 'spark_ml'];
  const missing: MissingReference[] = [
    ...connections.map((name) => ({ kind: 'connection', name, mappedFrom: [], subjects: [] as string[] })),
    ...Array.from({ length: 40 }, (_, i) => ({ kind: 'script', name: `script_${i}`, mappedFrom: [], subjects: [] as string[] })),
  ];
  const refusals: Refusal[] = [];
  for (let i = 0; i < 3000; i++) {
    const connection = missing[i % connections.length]!;
    connection.subjects.push(job(i));
    const reasons = [`node load uses connection ${connection.name}, not in the target workspace`];
    if (i % 10 === 0) {
      const script = missing[connections.length + ((i / 10) % 40)]!;
      script.subjects.push(job(i));
      reasons.push(`runs script ${script.name}, not in the target workspace`);
    }
    if (i % 7 === 0) reasons.push('not stopped (status NORMAL)');
    if (i % 500 === 0) reasons.push(`this entry is unreadable ${i}`);
    refusals.push({ subject: job(i), reason: reasons.join('; ') });
  }
  return { refusals, missing };
}

describe('import refusal message', () => {
  test('3,000 refusals: at most 30 lines of ≤ 200 characters, grouped and counted, the rest cut and said; every refusal in the details', () => {
    const { refusals, missing } = synthetic();
    const err = importRefusal(refusals, { workspace: 'prod', dryRun: false, missing });
    const lines = err.message.split('\n');
    expect(lines.length).toBeLessThanOrEqual(31);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(200);
    expect(lines[0]).toBe('import refused before upload: 3,000 jobs or scripts cannot be imported into prod');
    expect(lines[1]).toBe('5 connections missing in prod:');
    expect(lines[2]).toBe('  connection "dws_archive" (600 jobs or scripts: job_00001, job_00006, job_00011, …)');
    expect(lines).toContain('40 scripts missing in prod:');
    expect(lines.at(-1)).toMatch(/^… and \d+ more lines$/);
    // Reasons about missing references are told by the missing list, not repeated per job.
    expect(err.message).not.toMatch(/not in the target workspace/);
    expect(err.hint).toContain('--map connection:dws_main=NEW');
    expect(err.hint).toContain('--stop-running');
    expect(err.hint).toContain('Nothing was uploaded or changed.');
    expect(err.refusals).toHaveLength(3000);
  });

  test('a few refusals are also listed one by one with the whole reason; a dry run says so', () => {
    const refusals = [{ subject: 'job_a', reason: 'not stopped (status NORMAL)' }, { subject: 'job_b', reason: 'locked by bob' }];
    const err = importRefusal(refusals, { workspace: 'prod', dryRun: true, missing: [] });
    expect(err.message.split('\n')).toEqual([
      'import would be refused: 2 jobs or scripts cannot be imported into prod',
      'locked by bob (1 job or script: job_b)',
      'not stopped (status NORMAL) (1 job or script: job_a)',
      '  job_a (not stopped (status NORMAL))',
      '  job_b (locked by bob)',
    ]);
    expect(err.hint).toContain('Dry run: nothing was uploaded or changed.');
  });
});
