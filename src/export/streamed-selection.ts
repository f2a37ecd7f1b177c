/**
 * `jobs export --all|--match|--directory` without waiting for the whole job list: the listing
 * feeds names to the batch exports as pages come in (jobs-feed.ts). Explicit names still wait for
 * the complete list, which must name any unknown one before anything is exported.
 */
import type { CommandContext } from '../context.js';
import { JOB_TYPES, type DataArtsClient, type JobSummary } from '../api/dataarts.js';
import { SortedJobsFeed } from './jobs-feed.js';
import type { ExportPlan } from './pipeline.js';
import { resolveSelection, selectsJob, type SelectionRequest } from './selection.js';

/** The plan's feed, or undefined when the complete list selected nothing. */
export async function streamSelection(
  ctx: CommandContext,
  client: Pick<DataArtsClient, 'listAllJobs'>,
  request: SelectionRequest,
): Promise<ExportPlan['feed'] | undefined> {
  const feed = new SortedJobsFeed(selectsJob(request), JOB_TYPES);
  const listing = client.listAllJobs({ onPage: (jobs, jobType, total) => feed.addPage(jobType, jobs, total) }).then(
    (all) => {
      feed.finish();
      ctx.ui.debug(feed.streamed ? 'export: batch exports started while the job list was still being read' : 'export: batch exports started after the job list was complete');
      return all;
    },
    (err: unknown) => {
      feed.fail(err);
      throw err;
    },
  );
  // Awaited below or through feed.jobs(); a failure also reaches the exports through the feed.
  listing.catch(() => undefined);
  await feed.firstBatchOrEnd();
  if (feed.isFinished || !feed.streamed) await listing; // ended (or failed) before any batch: report it here
  if (feed.isFinished && feed.selectedCount === 0) return undefined;
  let selected: JobSummary[] | undefined;
  return {
    batches: feed,
    jobs: async () => (selected ??= resolveSelection(await listing, request).jobs),
    expectedJobs: () => (feed.isFinished || !request.all ? feed.selectedCount : Math.max(feed.selectedCount, feed.expectedTotal)),
  };
}
