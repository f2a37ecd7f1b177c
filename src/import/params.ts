/**
 * `--param KEY=VALUE` and `--job-param JOB:KEY=VALUE` into the import call's `params` and
 * `jobsParam` (reference §5). Bad forms are usage errors (exit 2) naming the flag and the value.
 */
import { UsageError } from '../errors.js';

/** Parameter names as the Create Job body allows them (reference §9: ≤64, letters, digits, `-`, `_`). */
const PARAM_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** Parameter values are at most 1,024 characters (reference §9). */
const MAX_VALUE_LENGTH = 1024;

function parseKeyValue(flag: string, raw: string, text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`${flag} '${raw}' is not of the form ${flag === '--param' ? 'KEY=VALUE' : 'JOB:KEY=VALUE'}`);
  const key = text.slice(0, eq);
  const value = text.slice(eq + 1);
  if (!PARAM_NAME.test(key)) {
    throw new UsageError(`${flag} '${raw}': parameter name '${key}' must be 1-64 letters, digits, '-' or '_'`);
  }
  if (value.length > MAX_VALUE_LENGTH) {
    throw new UsageError(`${flag} '${raw}': the value is longer than ${MAX_VALUE_LENGTH} characters`);
  }
  return [key, value];
}

/** `--param` values into `params`; undefined when none were given (the field is then left out). */
export function parseParams(values: string[]): Record<string, string> | undefined {
  if (values.length === 0) return undefined;
  const params: Record<string, string> = {};
  for (const raw of values) {
    const [key, value] = parseKeyValue('--param', raw, raw);
    params[key] = value; // the last one wins, as with repeated flags elsewhere
  }
  return params;
}

export interface JobParams {
  name: string;
  params: Record<string, string>;
}

/** The job names of `--job-param` values, checked for form only (before the archive is read). */
export function parseJobParams(values: string[]): JobParams[] | undefined {
  if (values.length === 0) return undefined;
  const byJob = new Map<string, Record<string, string>>();
  for (const raw of values) {
    // Job names never contain ':' (reference §9: letters, digits, '-', '_', '.'), so the first one splits.
    const colon = raw.indexOf(':');
    if (colon <= 0) throw new UsageError(`--job-param '${raw}' is not of the form JOB:KEY=VALUE`);
    const job = raw.slice(0, colon);
    const [key, value] = parseKeyValue('--job-param', raw, raw.slice(colon + 1));
    byJob.set(job, { ...(byJob.get(job) ?? {}), [key]: value });
  }
  return [...byJob.entries()].map(([name, params]) => ({ name, params }));
}

/** Every `--job-param` must name a job of the archive (a typo would otherwise be silently ignored). */
export function checkJobParamsAgainstArchive(jobParams: JobParams[] | undefined, jobNames: Iterable<string>): void {
  if (!jobParams) return;
  const known = new Set(jobNames);
  const unknown = jobParams.filter((p) => !known.has(p.name)).map((p) => p.name);
  if (unknown.length > 0) {
    throw new UsageError(`--job-param names ${unknown.length === 1 ? 'a job' : 'jobs'} not in the archive: ${unknown.join(', ')}`);
  }
}
