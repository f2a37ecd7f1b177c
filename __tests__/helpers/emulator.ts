/**
 * The emulator as tests start it: every per-user rate limit enforced, but TEST_RATE_SCALE times
 * the reference's (emulatorEnv paces the CLI to match with DATAARTS_RATE_SCALE). Pacing at the
 * real 10/s put ~50 s of sleeping into the suite, most of it in tests about something else;
 * tests about the limits themselves pass `rateScale: 1`.
 */
import { startEmulator as startAtScale, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';

export * from '../../src/emulator/index.js';

export const TEST_RATE_SCALE = 20;

export function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return startAtScale({ rateScale: TEST_RATE_SCALE, ...options });
}
