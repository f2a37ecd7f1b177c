/** Only the endpoints a run needs are required: AK/SK with a DataArts endpoint needs no region. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { runCli } from '../helpers/cli.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ seedJobs: 3 });
});
afterAll(async () => {
  await emu.close();
});

describe('endpoints without a region', () => {
  test('AK/SK and a DataArts endpoint are enough for jobs list', async () => {
    const c = emu.credentials;
    const r = await runCli(['jobs', 'list', '--json', '--no-progress'], {
      env: { DATAARTS_ENDPOINT: emu.url, DATAARTS_PROJECT_ID: c.projectId, HUAWEICLOUD_SDK_AK: c.ak, HUAWEICLOUD_SDK_SK: c.sk },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { total: number }).total).toBe(3);
  });

  test('an IAM user login without region or IAM endpoint is a configuration error naming both', async () => {
    const c = emu.credentials;
    const r = await runCli(['jobs', 'list'], {
      env: { DATAARTS_ENDPOINT: emu.url, DATAARTS_PROJECT_ID: c.projectId, DATAARTS_USERNAME: c.username, DATAARTS_PASSWORD: c.password, DATAARTS_DOMAIN: c.domain },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('iamEndpoint');
    expect(r.stderr).toContain('--region');
    expect(r.stderr).toContain('DATAARTS_IAM_ENDPOINT');
  });
});
