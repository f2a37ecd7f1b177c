/** Like helpers/cli.ts runCli, with an injected clock (for the clock-skew test). */
import { PassThrough, Readable } from 'node:stream';
import { run } from '../../src/cli/main.js';
import { CleanupRegistry } from '../../src/util/cleanup.js';
import type { CliResult } from '../helpers/cli.js';

export async function runCliAt(argv: string[], opts: { env: Record<string, string>; cwd: string; now: () => Date }): Promise<CliResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on('data', (c: Buffer) => out.push(c));
  const stderr = new PassThrough().on('data', (c: Buffer) => err.push(c));
  const code = await run(
    argv,
    {
      io: { stdin: Readable.from(['']), stdout, stderr, stdoutIsTTY: false, stderrIsTTY: false, stderrColumns: 0 },
      env: { PATH: process.env.PATH, ...opts.env },
      cwd: opts.cwd,
      homedir: opts.cwd,
      now: opts.now,
      cleanup: new CleanupRegistry(),
    },
    { handleSignals: false },
  );
  await new Promise((r) => setImmediate(r));
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
