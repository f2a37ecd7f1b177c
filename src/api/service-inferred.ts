/**
 * Every service behaviour the reference leaves open or marks "(inferred)", chosen once here and
 * shared by the client (to recognise it) and the emulator (to produce it). Pure data and tiny pure
 * helpers only: the client imports this, so no node-only heavy imports.
 */

/** A service error as `{error_code, error_msg}` with its HTTP status. */
export interface InferredError {
  status: number;
  errorCode: string;
  message: string;
}

/** (inferred) The gateway's answer when `X-Sdk-Date` is more than 15 minutes off the server clock. */
export const CLOCK_SKEW_ERROR: InferredError = {
  status: 401,
  errorCode: 'APIG.0301',
  message: 'Incorrect IAM authentication information: the request time (X-Sdk-Date) differs from the server time by more than 15 minutes',
};
/** (inferred) Allowed difference between the request time and the server clock (reference §12: 15 min). */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** The text the client looks for in a 401 to suggest checking the system clock. (inferred) */
export function isClockSkewMessage(message: string | undefined): boolean {
  return typeof message === 'string' && /differs from the server time|RequestTimeTooSkewed/i.test(message);
}

/** Reference §12/§11: documented gateway messages (APIG.0301). */
export const GATEWAY_MESSAGES = {
  badSignature: 'Incorrect IAM authentication information: verify aksk signature fail',
  tokenExpired: 'Incorrect IAM authentication information: token expires',
  tokenInvalid: 'Incorrect IAM authentication information: decrypt token fail',
  tokenMissing: 'Incorrect IAM authentication information: x-auth-token not found',
  /** (inferred) AK unknown to the gateway. */
  unknownAk: 'Incorrect IAM authentication information: ak not exist',
} as const;

/** (inferred) A project id in the path that is not the caller's. */
export const PROJECT_MISMATCH_ERROR: InferredError = {
  status: 403,
  errorCode: 'APIG.0302',
  message: 'The IAM user is not authorized to access the API: project id mismatch',
};

/** (inferred, APIG's usual text) a path the gateway does not know. */
export const UNKNOWN_API_ERROR: InferredError = {
  status: 404,
  errorCode: 'APIG.0101',
  message: 'The API does not exist or has not been published in the environment.',
};

/** Reference §14 (code inferred from other services): throttling. */
export function rateLimitMessage(limit: number): string {
  return `The throttling threshold has been reached: policy user over ratelimit,limit:${limit},time:1 second`;
}
export const RATE_LIMIT_CODE = 'APIG.0308';

/** (inferred) Import refused at the call: another import task is RUNNING in the workspace. */
export const IMPORT_ALREADY_RUNNING_ERROR: InferredError = {
  status: 400,
  errorCode: 'DLF.0816',
  message: 'An import task is already running in this workspace. Try again after it finishes.',
};

/** Reference §15: the OBS archive must be at most 10 MB zipped and 10 MB unpacked. */
export const IMPORT_MAX_ZIPPED_BYTES = 10 * 1024 * 1024;
export const IMPORT_MAX_UNPACKED_BYTES = 10 * 1024 * 1024;
/** (inferred) Import refused at the call: the archive is over the size limit. */
export const IMPORT_SIZE_LIMIT_ERROR: InferredError = {
  status: 400,
  errorCode: 'DLF.0817',
  message: 'The import file exceeds the size limit (10 MB zipped and 10 MB unpacked).',
};

/** (inferred) Import refused: the approval switch is on and targetStatus/approvers are missing. */
export const APPROVAL_REQUIRED_ERROR: InferredError = {
  status: 400,
  errorCode: 'DLF.0802',
  message: 'targetStatus and approvers are required because job approval is enabled in this workspace.',
};

/** Reference §6: subtask name of one job in an import task. */
export function importSubtaskName(jobName: string): string {
  return `Import the ${jobName} job.`;
}
/** Reference §6: name of the import task. */
export function importTaskName(obsPath: string): string {
  return `Import the job from ${obsPath}.`;
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

/** (inferred) Pending subtasks are reported with this status until processed. */
export const SUBTASK_PENDING_STATUS = 'RUNNING';

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

/** (inferred) Time a REAL_TIME job spends in STOPPING/STARTING before STOPPED/NORMAL. */
export const REAL_TIME_TRANSITION_MS = 200;

/** (inferred) Content-Disposition of export responses (reference §2/§3 give the file names). */
export function exportFileName(jobName?: string): string {
  return jobName === undefined ? 'jobs.zip' : `DLF_${jobName}.zip`;
}

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

/** (inferred) Node property naming a resource a job uses, besides `scriptName` (reference §9/§18). */
export const SCRIPT_REF_PROPERTY = 'scriptName';
export const RESOURCE_REF_PROPERTY = 'resourceName';

/** (inferred) exportStatus SUBMIT for a job that was never submitted. */
export function notSubmittedMessage(job: string): string {
  return `The job ${job} has no submitted version.`;
}

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
