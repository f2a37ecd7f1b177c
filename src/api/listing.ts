/**
 * Listing the workspace's jobs with a progress line ("Listing jobs 2000/10000 · 950/s · ETA 8s"):
 * a 10,000-job workspace takes several seconds to page through.
 */
import type { CommandContext } from '../context.js';
import type { DataArtsClient, JobSummary } from './dataarts.js';

/** `onPage`: each page's jobs as they come in (a caller can start work on them before the list ends). */
export async function listAllJobsShowingProgress(ctx: CommandContext, client: Pick<DataArtsClient, 'listAllJobs'>, onPage?: (jobs: JobSummary[]) => void): Promise<JobSummary[]> {
  const progress = await ctx.ui.progress('Listing jobs');
  try {
    return await client.listAllJobs({ onProgress: (listed, total) => progress.update(listed, total), ...(onPage ? { onPage } : {}) });
  } finally {
    progress.stop();
  }
}
