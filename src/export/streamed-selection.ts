/**
 * `jobs export --all|--match|--directory` without waiting for the whole job list: the listing
 * feeds names to the batch exports as pages come in (jobs-feed.ts). Explicit names still wait for
 * the complete list, which must name any unknown one before anything is exported.
 */
import type { CommandContext } from '../context.js';
import { JOB_TYPES, type DataArtsClient, type JobSummary, type JobType } from '../api/dataarts.js';
import { SortedJobsFeed } from './jobs-feed.js';
import type { ExportPlan } from './pipeline.js';
import { resolveSelection, selectsJob, type SelectionRequest } from './selection.js';

/** The plan's feed, or undefined when the complete list selected nothing. */
export async function streamSelection(
  ctx: CommandContext,
  client: Pick<DataArtsClient, 'listAllJobs'>,
  request: SelectionRequest,
): Promise<ExportPlan['feed'] | undefined> {
  const streamed = await streamJobs(ctx, client, {
    selects: selectsJob(request),
    selection: (all) => resolveSelection(all, request).jobs,
    expectsAll: request.all,
  });
  return streamed.feed;
}

/** What a streamed export selects: a test per job, and the whole selection once the list is in. */
export interface StreamedChoice {
  selects: (job: JobSummary) => boolean;
  /** The selected jobs from the complete list (the same choice as `selects`, in list order). */
  selection: (all: JobSummary[]) => JobSummary[];
  /** Every listed job is selected: the list's total is the expected count. */
  expectsAll: boolean;
  /** Sees the list's total as the pages announce it; throwing stops the listing and the exports. */
  onTotal?: (total: number) => void;
}

/**
 * Start batch exports from the pages of the listing as they come in; `listed` resolves to the
 * complete list. No feed when the complete list selected nothing.
 */
export async function streamJobs(
  ctx: CommandContext,
  client: Pick<DataArtsClient, 'listAllJobs'>,
  choice: StreamedChoice,
): Promise<{ feed?: NonNullable<ExportPlan['feed']>; listed: Promise<JobSummary[]> }> {
  const request = { all: choice.expectsAll };
  const feed = new SortedJobsFeed(choice.selects, JOB_TYPES);
  const onPage = (jobs: JobSummary[], jobType: JobType, total: number) => {
    feed.addPage(jobType, jobs, total);
    choice.onTotal?.(feed.expectedTotal);
  };
  const listing = client.listAllJobs({ onPage }).then(
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
  if (feed.isFinished && feed.selectedCount === 0) return { listed: listing };
  let selected: JobSummary[] | undefined;
  return {
    listed: listing,
    feed: {
      batches: feed,
      jobs: async () => (selected ??= choice.selection(await listing)),
      expectedJobs: () => (feed.isFinished || !request.all ? feed.selectedCount : Math.max(feed.selectedCount, feed.expectedTotal)),
    },
  };
}
