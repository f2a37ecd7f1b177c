/**
 * The saved plan's file format (`jobs import --dry-run --plan-out`), apart from the code that
 * writes and checks it (saved-plan.ts), so the run's settings can name it without a cycle.
 */

export const PLAN_FORMAT = 'dataarts-import-plan/1';

/** The `jobs import` flags a plan fixes (given again with --plan, they are a usage error). */
export const PLAN_FLAGS = [
  'duplicatePolicy', 'targetStatus', 'approver', 'executeUser', 'param', 'jobParam', 'expressionTimeZone',
  'obsPath', 'stopRunning', 'env', 'map', 'includeUnchanged',
] as const;

export interface SavedPlanJob {
  name: string;
  action: string;
  /** Fingerprint of the workspace version planned against (null for a job to create). */
  workspaceSha256: string | null;
  /** The paths that differed from the archive when planned (what the reviewer saw). */
  changedPaths: string[];
}

export interface SavedPlan {
  format: typeof PLAN_FORMAT;
  createdAt: string;
  workspace: string | null;
  archive: { path: string; sha256: string | null; entriesSha256: string };
  /** The plan-deciding flags as given (commander's names). */
  options: Record<string, unknown>;
  jobs: SavedPlanJob[];
}
