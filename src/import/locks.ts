/**
 * Reading the lock fields the service adds to job details (src/api/service-inferred.ts
 * LOCK_FIELDS; the public API documents none, so this whole check is (inferred)): a job locked by
 * another user under the hard-lock policy, or one carrying a locked tag, cannot be overwritten.
 */
import { LOCK_FIELDS } from '../api/service-inferred.js';

/** Why the job details forbid an overwrite by the caller, or undefined when nothing does (or the service does not tell). */
export function lockProblemOf(details: Record<string, unknown> | undefined): string | undefined {
  if (!details) return undefined;
  const problems: string[] = [];
  const holder = details[LOCK_FIELDS.lockedBy];
  const mine = details[LOCK_FIELDS.lockedByCurrentUser] === true;
  if (details[LOCK_FIELDS.hardLock] === true && typeof holder === 'string' && holder !== '' && !mine) {
    problems.push(`locked by another user (${holder}) under the hard-lock policy`);
  }
  const tags = details[LOCK_FIELDS.lockedTags];
  if (Array.isArray(tags) && tags.length > 0) {
    problems.push(`carries locked tag${tags.length > 1 ? 's' : ''} ${tags.map(String).join(', ')}`);
  }
  return problems.length > 0 ? problems.join('; ') : undefined;
}

/** Whether job details carry lock state at all (no official model has it: reference §19). */
export function reportsLockState(details: Record<string, unknown> | undefined): boolean {
  return details !== undefined && Object.values(LOCK_FIELDS).some((k) => k in details);
}
