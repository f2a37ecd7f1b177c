/**
 * The import asks V8 to keep its heap near what is live (src/import/heap.ts) through a V8 flag:
 * the Node in use must know the flag (else V8 prints "unrecognized flag" on stderr), and the flag
 * must lower the peak of a process whose memory is mostly short-lived garbage.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';

// A small stand-in for an import: ~10 MB kept live while 60,000-object batches are made, each
// kept through the next (so it is promoted, as a part's parse is), then dropped.
const WORKLOAD = `
  const live = [];
  for (let i = 0; i < 100000; i++) live.push({ a: 'x' + i, b: [i] });
  const keep = [];
  for (let round = 0; round < 16; round++) {
    const batch = [];
    for (let i = 0; i < 60000; i++) batch.push({ s: 'y' + i + round, n: [i, round] });
    keep.push(batch);
    if (keep.length > 2) keep.shift();
  }
  const hwm = /VmHWM:\\s+(\\d+)/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'));
  process.stdout.write(String(Number(hwm[1]) + 0 * live.length));
`;

function peakKb(setup: string): { kb: number; stderr: string } {
  const r = spawnSync(process.execPath, ['-e', `${setup}\n${WORKLOAD}`], { encoding: 'utf8' });
  return { kb: Number(r.stdout), stderr: r.stderr };
}

describe('keepHeapNearLiveSize', () => {
  test('the Node in use knows the flag, and it lowers the peak of a garbage-heavy process', () => {
    const tight = peakKb("require('node:v8').setFlagsFromString('--heap-growing-percent=25');");
    expect(tight.stderr).toBe('');
    const loose = peakKb('');
    expect(tight.kb).toBeGreaterThan(0);
    expect(tight.kb).toBeLessThan(loose.kb);
  });
});
