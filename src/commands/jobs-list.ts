import type { CommandContext } from '../cli/context.js';
import type { JobsListOptions } from '../cli/commands/jobs.js';
import { DataartsError, ExitCode } from '../errors.js';

// Placeholder: replaced by the real runner.
export async function runJobsList(_ctx: CommandContext, _opts: JobsListOptions): Promise<number> {
  throw new DataartsError('not implemented yet', ExitCode.INTERNAL);
}
