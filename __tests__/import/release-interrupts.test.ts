/**
 * Releases interrupted at every step (issue 18): SIGINT, SIGTERM or SIGKILL on a real child process
 * while it stops, stages, calls the import, waits or restarts, then at most one
 * `jobs import --resume`: every job runs again, holds the staged or the old definition, nothing
 * staged is left. (Its own file so that it runs beside the other journal tests.)
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { runCli } from '../helpers/cli.js';
import { importEnv, journalOf, removeDir, stagedKeys, tempDir, type Emulator } from './helpers.js';
import { expectSettled, fx, reached, release, useReleaseFixture, type Step } from './release-fixture.js';

useReleaseFixture();
let emu: Emulator;
beforeAll(() => {
  ({ emu } = fx);
});

describe('interrupted at every step, then at most one --resume', () => {
  const steps: Step[] = ['stopping', 'staging', 'import call', 'waiting', 'restart'];
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGKILL'];
  // Every step and every signal once; DATAARTS_TEST_ALL_INTERRUPTS=1 runs all 15 pairs.
  const pairs: [Step, NodeJS.Signals][] = process.env.DATAARTS_TEST_ALL_INTERRUPTS
    ? steps.flatMap((step) => signals.map((signal): [Step, NodeJS.Signals] => [step, signal]))
    : [['stopping', 'SIGINT'], ['staging', 'SIGTERM'], ['import call', 'SIGKILL'], ['waiting', 'SIGKILL'], ['restart', 'SIGTERM']];
  test.each(pairs)('%s, %s', async (step, signal) => {
    // Every call answers 40 ms late, so the signal lands while that step is under way.
    emu.setLatency(40);
    const cwd = await tempDir('interrupt');
    try {
      const child = release(cwd);
      const watcher = setInterval(() => {
        if (emu.requests.some((q) => reached(step, q))) {
          clearInterval(watcher);
          child.kill(signal);
        }
      }, 2);
      const r = await child.done;
      clearInterval(watcher);
      if (signal === 'SIGKILL') expect(r.signal).toBe('SIGKILL');
      else expect(r.code).toBe(signal === 'SIGINT' ? 130 : 143);
      emu.setLatency(0);
      const journal = journalOf(r.stderr);
      // Ctrl-C or SIGTERM before the import call: the process itself started again what it stopped
      // and removed what it staged; --resume then has nothing left to do.
      if (signal !== 'SIGKILL' && (step === 'stopping' || step === 'staging')) {
        expect(emu.state.importCalls).toHaveLength(0);
        expectSettled(emu);
        expect(r.stderr).not.toMatch(/stay stopped/);
      }
      const imported = emu.state.importCalls.length;
      const resumed = await runCli(['jobs', 'import', '--resume', journal], { env: importEnv(emu), cwd });
      expect(resumed.stderr).not.toMatch(/Error: (?!.*(failed to import|not imported))/);
      expect([0, 5]).toContain(resumed.code);
      // The import call is never made again by --resume.
      expect(emu.state.importCalls).toHaveLength(imported);
      expectSettled(emu);
      const after = await runCli(['jobs', 'import', '--resume', journal], { env: importEnv(emu), cwd });
      expect(after.code).toBe(0);
      expect(after.stderr).toMatch(/nothing left to do/);
    } finally {
      emu.setLatency(0);
      await removeDir(cwd);
    }
  });
});

