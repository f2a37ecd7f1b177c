import type { CommandContext } from '../cli/context.js';
import type { JobsImportOptions } from '../cli/commands/jobs.js';
import { DataartsError, ExitCode } from '../errors.js';

// Placeholder: replaced by the real runner.
export async function runJobsImport(_ctx: CommandContext, _opts: JobsImportOptions): Promise<number> {
  throw new DataartsError('not implemented yet', ExitCode.INTERNAL);
}
