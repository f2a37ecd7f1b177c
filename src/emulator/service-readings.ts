/**
 * The emulator's own reading of the service reference
 * (`shared/reference/dataarts-factory-api.md`): texts, codes, limits and field names it answers
 * with. Written here from the reference, not imported from the client's `src/api/`: the client
 * and the emulator are two readings of one document, so a wrong inference on one side shows up
 * as a failing test instead of agreeing with itself by construction. "(inferred)" marks what the
 * reference leaves open; src/emulator/README.md lists those choices.
 */

/** A service error: HTTP status, `error_code` and `error_msg`. */
export interface ServiceError {
  status: number;
  errorCode: string;
  message: string;
}

// ---- Gateway (reference §1, §11, §12, §14) ----

/** §12: the gateway rejects a request time more than 15 minutes off its clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** (inferred) The gateway's answer to such a request: APIG.0301 with the reason spelled out. */
export const CLOCK_SKEW_ERROR: ServiceError = {
  status: 401,
  errorCode: 'APIG.0301',
  message: 'Incorrect IAM authentication information: the request time (X-Sdk-Date) differs from the server time by more than 15 minutes',
};

/** §11/§12: APIG.0301 texts (the unknown-AK one is inferred). */
export const GATEWAY_MESSAGES = {
  badSignature: 'Incorrect IAM authentication information: verify aksk signature fail',
  tokenExpired: 'Incorrect IAM authentication information: token expires',
  tokenInvalid: 'Incorrect IAM authentication information: decrypt token fail',
  tokenMissing: 'Incorrect IAM authentication information: x-auth-token not found',
  unknownAk: 'Incorrect IAM authentication information: ak not exist',
} as const;

/** (inferred) A project id in the path that is not the caller's. */
export const PROJECT_MISMATCH_ERROR: ServiceError = {
  status: 403,
  errorCode: 'APIG.0302',
  message: 'The IAM user is not authorized to access the API: project id mismatch',
};

/** (inferred, APIG's usual text) A path the gateway does not know. */
export const UNKNOWN_API_ERROR: ServiceError = {
  status: 404,
  errorCode: 'APIG.0101',
  message: 'The API does not exist or has not been published in the environment.',
};

/** §14: throttling answer, 429 without `Retry-After` (code taken from other services: inferred). */
export const RATE_LIMIT_CODE = 'APIG.0308';
export function rateLimitMessage(limit: number): string {
  return `The throttling threshold has been reached: policy user over ratelimit,limit:${limit},time:1 second`;
}

// ---- Import (reference §4-§6, §14-§16, §18) ----

/** (inferred) Import refused at the call while another import task RUNS in the workspace. */
export const IMPORT_ALREADY_RUNNING_ERROR: ServiceError = {
  status: 400,
  errorCode: 'DLF.0816',
  message: 'An import task is already running in this workspace. Try again after it finishes.',
};

/** §15: at most 10 MB zipped and 10 MB unpacked. */
export const IMPORT_MAX_ZIPPED_BYTES = 10 * 1024 * 1024;
export const IMPORT_MAX_UNPACKED_BYTES = 10 * 1024 * 1024;
/** (inferred) The refusal of an archive over that limit. */
export const IMPORT_SIZE_LIMIT_ERROR: ServiceError = {
  status: 400,
  errorCode: 'DLF.0817',
  message: 'The import file exceeds the size limit (10 MB zipped and 10 MB unpacked).',
};

/** §18 addendum (code inferred): approval switch on, `targetStatus`/`approvers` missing. */
export const APPROVAL_REQUIRED_ERROR: ServiceError = {
  status: 400,
  errorCode: 'DLF.0802',
  message: 'targetStatus and approvers are required because job approval is enabled in this workspace.',
};

/** §6: the import task's name and its per-job subtask names. */
export function importTaskName(obsPath: string): string {
  return `Import the job from ${obsPath}.`;
}
export function importSubtaskName(jobName: string): string {
  return `Import the ${jobName} job.`;
}

/**
 * (inferred; §6 says per-job reasons go in the subtask `message`) The outcome word first, then
 * the reason.
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

/** (inferred) Status of a subtask not processed yet. */
export const SUBTASK_PENDING_STATUS = 'RUNNING';

/**
 * (inferred, §18) Fields each `resources` rebinding type rewrites, in node properties
 * `{name, value}` and in plain object keys.
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

// ---- Jobs, export, locks (reference §2, §3, §7-§10) ----

/** (inferred) §8 says the public API shows no lock; with `lockFields` the emulator adds these. */
export const LOCK_FIELDS = {
  lockedBy: 'lockedBy',
  lockedByCurrentUser: 'lockedByCurrentUser',
  hardLock: 'hardLockPolicy',
  lockedTags: 'lockedTags',
} as const;

/** (inferred, §7) How long a REAL_TIME job stays STOPPING/STARTING. */
export const REAL_TIME_TRANSITION_MS = 200;

/** §2/§3 file names, carried in `Content-Disposition` (inferred). */
export function exportFileName(jobName?: string): string {
  return jobName === undefined ? 'jobs.zip' : `DLF_${jobName}.zip`;
}

/** (inferred) exportStatus SUBMIT of a job never submitted: DLF.3051 with this text. */
export function notSubmittedMessage(job: string): string {
  return `The job ${job} has no submitted version.`;
}

/** (inferred, §9/§18) Node properties naming the script and the resource a node uses. */
export const SCRIPT_REF_PROPERTY = 'scriptName';
export const RESOURCE_REF_PROPERTY = 'resourceName';

/**
 * §7/§19: how a list call's `offset` is read is not documented (the DGC SDK says page number,
 * Terraform advances by records), so the emulator can serve each: `record`, `page0` (pages from
 * 0) or `page1` (pages from 1, 0 read as the first page too: inferred).
 */
export type OffsetReading = 'record' | 'page0' | 'page1';
