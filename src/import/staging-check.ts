/**
 * Two checks around staging. In the dry run: the staging bucket exists and these credentials may
 * use it (a signed HEAD Bucket), so a dry run that passes is not followed by a real run failing
 * at the upload (exit 3 otherwise). After staging, before the import: the service's own reading
 * of the staged archive (`POST …/jobs/check-file`, reference §4, §19) must list the jobs the plan
 * expects, or the import is refused (exit 4) and the staged object removed.
 */
import { ConfigError, RefusedError } from '../errors.js';
import { ApiError } from '../api/errors.js';
import type { PreparedPart } from './prepare.js';
import type { StagedObject } from './staging.js';
import type { ImportRun } from './run.js';

export async function checkStagingBucket(run: ImportRun): Promise<void> {
  const { staging } = run;
  if (!staging) return;
  try {
    await run.session.obs.headBucket(staging.bucket);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.errorCode === 'NoSuchBucket')) {
      throw new ConfigError(`the OBS staging bucket ${staging.bucket} does not exist (or is not visible to these credentials)`, {
        key: 'obsStagingPath',
        hint: 'Check --obs-path obs://BUCKET/PREFIX/ or the profile\'s obsStagingPath; the real import would fail at the upload.',
      });
    }
    throw err;
  }
}

export async function checkStagedReading(run: ImportRun, staged: StagedObject, part: PreparedPart): Promise<void> {
  const read = await run.session.dataarts.checkFile(staged.path);
  const seen = new Set(read.jobs.map((j) => j.name));
  const wanted = new Set(part.jobs);
  const missing = part.jobs.filter((j) => !seen.has(j));
  const extra = [...seen].filter((j) => !wanted.has(j)).sort();
  if (missing.length === 0 && extra.length === 0) return;
  await staged.remove();
  const said = [
    missing.length > 0 ? `it does not see ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}` : '',
    extra.length > 0 ? `it sees jobs the plan does not have: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ` and ${extra.length - 5} more` : ''}` : '',
  ].filter(Boolean).join('; ');
  throw new RefusedError(
    `the service reads a different set of jobs in the staged archive than the plan (${said}); the import was not started`,
    [...missing.map((subject) => ({ subject, reason: 'not seen by the service in the staged archive (check-file)' })), ...extra.map((subject) => ({ subject, reason: 'seen by the service in the staged archive but not planned' }))],
    { hint: `The staged object ${staged.path} was removed. Check the archive with \`dataarts archive show\`.` },
  );
}
