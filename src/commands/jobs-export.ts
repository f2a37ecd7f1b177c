import type { CommandContext } from '../cli/context.js';
import type { JobsExportOptions } from '../cli/commands/jobs.js';
import { DataartsError, ExitCode } from '../errors.js';

// Placeholder: replaced by the real runner.
export async function runJobsExport(_ctx: CommandContext, _opts: JobsExportOptions): Promise<number> {
  throw new DataartsError('not implemented yet', ExitCode.INTERNAL);
}
