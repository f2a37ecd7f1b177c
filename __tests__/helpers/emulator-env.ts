/** The environment a user would set to point the CLI at an emulator (AK/SK; fast retries for tests). */
import type { Emulator } from '../../src/emulator/index.js';
import { TEST_RATE_SCALE } from './emulator.js';

export function emulatorEnv(emu: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATAARTS_ENDPOINT: emu.url,
    DATAARTS_IAM_ENDPOINT: emu.url,
    DATAARTS_OBS_ENDPOINT: emu.url,
    DATAARTS_PROJECT_ID: emu.credentials.projectId,
    HUAWEICLOUD_SDK_AK: emu.credentials.ak,
    HUAWEICLOUD_SDK_SK: emu.credentials.sk,
    DATAARTS_RETRY_BASE_MS: '2',
    // Paced to the emulator's limits as a user would be to the service's (none enforced: the tests' scale).
    DATAARTS_RATE_SCALE: String(emu.rateScale ?? TEST_RATE_SCALE),
    ...extra,
  };
}
