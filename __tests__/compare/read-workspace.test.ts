/**
 * The workspace batch reader (src/compare/read-workspace.ts): names fed as they become known, each
 * 100 one batch export. Every call counts against the documented rate limit, so a part batch may
 * go only at the end (issue 17 item 6: 2,500 jobs = 25 calls).
 */
import { describe, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WorkspaceBatchReader } from '../../src/compare/read-workspace.js';
import { DeterministicZipWriter } from '../../src/archive/zip-write.js';
import { jobText } from '../archive/helpers.js';

describe('workspace batch reader', () => {
  test('names fed a page of 37 at a time while batches complete: whole batches of 100, one part batch at the end', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dataarts-read-workspace-'));
    try {
      const calls: number[] = [];
      let inFlight = 0;
      let mostInFlight = 0;
      const exporter = {
        async batchExport(names: string[], _opts: unknown, file: string) {
          calls.push(names.length);
          mostInFlight = Math.max(mostInFlight, ++inFlight);
          await new Promise((resolve) => setTimeout(resolve, 2));
          const w = DeterministicZipWriter.open(file);
          for (const n of names) w.add(`jobs/${n}/${n}.job`, Buffer.from(jobText(n)));
          await w.finish();
          inFlight--;
          return { bytes: 0 };
        },
      };
      const seen: string[] = [];
      const reader = new WorkspaceBatchReader(exporter, dir, (batch, current) => {
        for (const n of batch) if (current.jobs.has(n)) seen.push(n);
      });
      const names = Array.from({ length: 2_050 }, (_, i) => `job_${String(i).padStart(5, '0')}`);
      for (let i = 0; i < names.length; i += 37) {
        for (const n of names.slice(i, i + 37)) reader.add(n);
        // Let batches in flight complete between pages.
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await reader.end();
      expect(calls).toEqual([...Array(20).fill(100), 50]);
      expect(seen.sort()).toEqual(names);
      expect(mostInFlight).toBeLessThanOrEqual(8);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
