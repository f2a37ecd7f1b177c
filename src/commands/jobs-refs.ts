import type { CommandContext } from '../cli/context.js';
import type { JobsRefsOptions } from '../cli/commands/jobs.js';
import { DataartsError, ExitCode } from '../errors.js';

// Placeholder: replaced by the real runner.
export async function runJobsRefs(_ctx: CommandContext, _opts: JobsRefsOptions): Promise<number> {
  throw new DataartsError('not implemented yet', ExitCode.INTERNAL);
}
