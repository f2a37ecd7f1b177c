/**
 * The import plan: for every job of the archive, what the import will do to the target workspace
 * (create, overwrite, skip) or why it must not run (blocked). Pure decisions over what the service
 * told us; the service calls are injected (PlanServices) so the rules stay readable.
 */
import { mapLimit } from '../util/pool.js';

export type SameNamePolicy = 'SKIP' | 'OVERWRITE';
/** `unchanged`: under overwrite, equal to the workspace's after every rewrite: left alone. */
export type PlanAction = 'create' | 'overwrite' | 'skip' | 'unchanged' | 'blocked';

export interface PlannedJob {
  name: string;
  /** BATCH or REAL_TIME, as the archive says. */
  type: string;
  action: PlanAction;
  /** Why blocked or skipped; notes for the others (e.g. "running: will be stopped first"). */
  reason?: string;
  /** Status of the same-name job in the workspace, when there is one. */
  existingStatus?: string;
  /** True when --stop-running will stop the same-name job before the import. */
  stopFirst?: boolean;
}

export interface ArchiveJobView {
  name: string;
  jobType: string;
  scriptNames: string[];
}

export interface ExistingJob {
  name: string;
  jobType: string;
  status: string;
}

export interface PlanServices {
  /** Why the same-name job cannot be overwritten by us (lock held by another user, locked tag), or undefined. */
  lockProblem(jobName: string): Promise<string | undefined>;
  /** True when the workspace has a script of that name. */
  scriptExists(scriptName: string): Promise<boolean>;
}

export interface PlanInput {
  jobs: ArchiveJobView[];
  /** Names of the scripts the archive carries. */
  archiveScripts: Set<string>;
  existing: ExistingJob[];
  policy: SameNamePolicy;
  stopRunning: boolean;
  /** Same-name jobs equal to the workspace's (change-only overwrite): not staged, stopped or overwritten. */
  unchanged?: Set<string>;
}

/** "Is the job stopped?" = list status STOPPED (reference §7). */
export function isStopped(status: string): boolean {
  return status === 'STOPPED';
}

/** Detail and script look-ups are paced: a few at a time keeps well under the 10 req/s user limit. */
const LOOKUP_CONCURRENCY = 4;

export async function planImport(input: PlanInput, services: PlanServices): Promise<PlannedJob[]> {
  const existing = new Map(input.existing.map((j) => [j.name, j]));

  const planned: PlannedJob[] = input.jobs.map((job) => {
    const same = existing.get(job.name);
    if (!same) return { name: job.name, type: job.jobType, action: 'create' };
    if (input.policy === 'SKIP') {
      // The service leaves it untouched, so a running job is no obstacle here.
      return { name: job.name, type: job.jobType, action: 'skip', reason: 'exists (--duplicate-policy skip)', existingStatus: same.status };
    }
    if (input.unchanged?.has(job.name)) {
      // Nothing to change, so a running job is no obstacle and is not stopped.
      return { name: job.name, type: job.jobType, action: 'unchanged', reason: "equal to the workspace's (--include-unchanged would overwrite it)", existingStatus: same.status };
    }
    if (!isStopped(same.status)) {
      if (input.stopRunning) {
        return { name: job.name, type: job.jobType, action: 'overwrite', reason: `${same.status}: will be stopped first`, existingStatus: same.status, stopFirst: true };
      }
      return { name: job.name, type: job.jobType, action: 'blocked', reason: `not stopped (status ${same.status}); stop it or pass --stop-running`, existingStatus: same.status };
    }
    return { name: job.name, type: job.jobType, action: 'overwrite', existingStatus: same.status };
  });

  // Locks matter only for jobs we would overwrite; details are fetched for those alone.
  const overwriteCandidates = planned.filter((p) => p.existingStatus !== undefined && p.action !== 'skip' && p.action !== 'unchanged');
  const lockProblems = await mapLimit(overwriteCandidates, LOOKUP_CONCURRENCY, (p) => services.lockProblem(p.name));
  overwriteCandidates.forEach((p, i) => {
    const problem = lockProblems[i];
    if (problem) block(p, problem);
  });

  // A script a job runs must come with the archive or already be in the workspace.
  const byName = new Map(planned.map((p) => [p.name, p]));
  const importedJobs = input.jobs.filter((j) => { const a = byName.get(j.name)!.action; return a !== 'skip' && a !== 'unchanged'; });
  const missingCandidates = [...new Set(importedJobs.flatMap((j) => j.scriptNames).filter((s) => !input.archiveScripts.has(s)))].sort();
  const presence = await mapLimit(missingCandidates, LOOKUP_CONCURRENCY, (s) => services.scriptExists(s));
  const missing = new Set(missingCandidates.filter((_, i) => !presence[i]));
  for (const job of importedJobs) {
    const absent = job.scriptNames.filter((s) => missing.has(s));
    if (absent.length > 0) {
      const p = byName.get(job.name)!;
      block(p, `runs script${absent.length > 1 ? 's' : ''} ${absent.join(', ')}, neither in the archive nor in the workspace`);
    }
  }
  return planned;
}

/** Turn a job into a blocked one, keeping earlier reasons (a job may be blocked for several). */
export function block(p: PlannedJob, reason: string): void {
  if (p.action === 'blocked') {
    p.reason = p.reason ? `${p.reason}; ${reason}` : reason;
  } else {
    p.action = 'blocked';
    p.reason = reason;
    p.stopFirst = false;
  }
}

export function blockedJobs(plan: PlannedJob[]): PlannedJob[] {
  return plan.filter((p) => p.action === 'blocked');
}

export function countActions(plan: PlannedJob[]): Record<PlanAction, number> {
  const counts: Record<PlanAction, number> = { create: 0, overwrite: 0, skip: 0, unchanged: 0, blocked: 0 };
  for (const p of plan) counts[p.action]++;
  return counts;
}
