/**
 * The client's reading of every service behaviour the reference leaves open or marks "(inferred)",
 * chosen once here: what the client recognises. The emulator keeps its own reading
 * (src/emulator/service-readings.ts, written from the reference, never imported from here), so a
 * wrong inference on one side fails a test instead of agreeing with itself. Pure data and tiny pure
 * helpers only: no node-only heavy imports.
 */

/** A service error as `{error_code, error_msg}` with its HTTP status. */
export interface InferredError {
  status: number;
  errorCode: string;
  message: string;
}

/** The text the client looks for in a 401 to suggest checking the system clock. (inferred) */
export function isClockSkewMessage(message: string | undefined): boolean {
  return typeof message === 'string' && /differs from the server time|RequestTimeTooSkewed/i.test(message);
}

/** (inferred) Import refused at the call: another import task is RUNNING in the workspace. */
export const IMPORT_ALREADY_RUNNING_ERROR: InferredError = {
  status: 400,
  errorCode: 'DLF.0816',
  message: 'An import task is already running in this workspace. Try again after it finishes.',
};

/**
 * (inferred, reference §20 "Approval") Import refused at the call: the approval switch is on and
 * targetStatus/approvers are missing. The code is not documented; the message's wording counts too.
 */
export const APPROVAL_REQUIRED_ERROR: InferredError = {
  status: 400,
  errorCode: 'DLF.0802',
  message: 'targetStatus and approvers are required because job approval is enabled in this workspace.',
};

/** Reference §6: subtask name of one job in an import task. */
export function importSubtaskName(jobName: string): string {
  return `Import the ${jobName} job.`;
}

/**
 * (inferred) Per-job outcome messages in import subtasks. The client matches the prefixes
 * (`created`, `overwritten`, `skipped`) to classify successes; failures carry the reason.
 */
export const IMPORT_SUBTASK_MESSAGES = {
  created: (job: string) => `created: job ${job} was created.`,
  overwritten: (job: string) => `overwritten: job ${job} was overwritten.`,
  skipped: (job: string) => `skipped: job ${job} already exists and sameNamePolicy is SKIP.`,
  notStopped: (job: string, status: string) => `failed: job ${job} is not stopped (status ${status}); stop it before overwriting.`,
  lockedByOther: (kind: 'job' | 'script', name: string, user: string) =>
    `failed: ${kind} ${name} is locked by another user (${user}) under the hard-lock policy.`,
  lockedTag: (job: string, tags: string[]) => `failed: job ${job} carries locked tag(s): ${tags.join(', ')}.`,
  invalidJob: (entry: string, reason: string) => `failed: ${entry} cannot be read: ${reason}.`,
} as const;
/** Classify a subtask message produced as above. (inferred) */
export function importSubtaskOutcome(message: string | undefined): 'created' | 'overwritten' | 'skipped' | 'failed' | undefined {
  const m = /^(created|overwritten|skipped|failed):/.exec(message ?? '');
  return m ? (m[1] as 'created' | 'overwritten' | 'skipped' | 'failed') : undefined;
}

/**
 * (inferred) Lock information the service adds to Show Job and Get Script (the reference says the
 * public API exposes none; the emulator models it so pre-checks can tell). Field names:
 */
export const LOCK_FIELDS = {
  /** user holding the edit lock, or null */
  lockedBy: 'lockedBy',
  /** true when the lock holder is the caller */
  lockedByCurrentUser: 'lockedByCurrentUser',
  /** the workspace uses the hard-lock policy */
  hardLock: 'hardLockPolicy',
  /** tags of this job that are locked in the workspace */
  lockedTags: 'lockedTags',
} as const;

/**
 * (inferred) Which fields each `resources` rebinding type of the import call rewrites, in jobs and
 * scripts (node properties `{name, value}` and plain object keys alike). Reference §18.
 */
export const REBIND_FIELDS: Record<string, string[]> = {
  DWS_CONNECTION: ['connectionName'],
  MRS_HIVE_CONNECTION: ['connectionName'],
  MRS_SPARK_CONNECTION: ['connectionName'],
  DIS_STREAM: ['streamName', 'disStreamName'],
  CDM_CLUSTER: ['clusterName'],
  MRS_CLUSTER: ['clusterName'],
  GES_GRAPH: ['graphName'],
  ROMA_INSTANCE: ['instanceName'],
  TICS_INSTANCE: ['instanceName'],
  DRS_TASK: ['taskName'],
};

/**
 * (inferred) Fields the service sets by itself in the definitions it exports (ids, times, users,
 * versions and lock state, reference §7-§10): never counted as a difference by `jobs diff` or by
 * the import's read-back check. Everything else must come back as it was staged. The README lists
 * this table.
 */
export const SERVICE_SET_FIELDS = {
  job: ['id', 'version', 'createTime', 'createUser', 'lastUpdateTime', 'lastUpdateUser', 'targetStatus', 'approvers', ...Object.values(LOCK_FIELDS)],
  script: ['id', 'version', 'createTime', 'createUser', 'lastUpdateTime', 'lastUpdateUser', 'targetStatus', 'approvers', 'autoAcquireLock', ...Object.values(LOCK_FIELDS)],
  resource: ['id', 'resourceId', 'createTime', 'createUser', 'lastUpdateTime', 'lastUpdateUser'],
} as const;

/**
 * How a service may read the `offset` of a list call (reference §7, §19: the DGC SDK says page
 * number, Huawei's Terraform provider advances by records; which one the service uses is not
 * documented). The client detects it (src/api/paging.ts); the emulator serves any of them.
 * `page1`: pages counted from 1, with 0 read as the first page too (inferred, as paging helpers
 * that count from 1 usually do).
 */
export type OffsetReading = 'record' | 'page0' | 'page1';
