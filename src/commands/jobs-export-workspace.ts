import type { CommandContext } from '../cli/context.js';
import type { JobsExportWorkspaceOptions } from '../cli/commands/jobs.js';
import { DataartsError, ExitCode } from '../errors.js';

// Placeholder: replaced by the real runner.
export async function runJobsExportWorkspace(_ctx: CommandContext, _opts: JobsExportWorkspaceOptions): Promise<number> {
  throw new DataartsError('not implemented yet', ExitCode.INTERNAL);
}
