/**
 * The release journal's first record (journal.ts), made from the plan before anything changes:
 * where the release goes, its settings, and per job its action with the fingerprint of the
 * version it stages; then the fingerprints of the versions it replaces, read once the rollback
 * archive is written (or straight from the workspace without one), before any job is stopped.
 */
import { readArchive } from '../archive/model.js';
import { definitionsOf, type Definitions } from '../compare/definitions.js';
import { jobFingerprint } from '../compare/fingerprint.js';
import { readWorkspaceDefinitions } from '../compare/read-workspace.js';
import { JOURNAL_FORMAT, type ReleaseRecord } from './journal.js';
import { IMPORT_READ_LIMITS } from './limits.js';
import type { ImportRun } from './run.js';
import { stagedFingerprints } from './verify.js';

export async function initialRecord(run: ImportRun, rollback: string | undefined): Promise<ReleaseRecord> {
  const { settings, session } = run;
  const staged = stagedFingerprints(run);
  const at = run.ctx.deps.now().toISOString();
  return {
    format: JOURNAL_FORMAT,
    startedAt: at,
    updatedAt: at,
    workspace: run.workspace ?? null,
    endpoint: session.config.endpoint,
    projectId: session.config.projectId,
    archive: settings.archive,
    staging: run.staging ? `obs://${run.staging.bucket}/${run.staging.prefix}` : null,
    settings: {
      policy: settings.policy,
      ...(settings.targetStatus ? { targetStatus: settings.targetStatus } : {}),
      approvers: settings.approvers,
      ...(settings.executeUser !== undefined ? { executeUser: settings.executeUser } : {}),
      restart: settings.restart,
      verify: settings.verify,
      keepStaged: settings.keepStaged,
    },
    jobs: run.planned.jobs.map((p) => {
      const print = p.action === 'create' || p.action === 'overwrite' ? staged.get(p.name) : undefined;
      return {
        name: p.name,
        type: p.type,
        action: p.action,
        ...(p.existingStatus !== undefined ? { statusBefore: p.existingStatus } : {}),
        ...(print ? { staged: print } : {}),
      };
    }),
    rollback: rollback ?? null,
    stopped: [],
    parts: [],
    outcomes: [],
    untold: [],
    verification: [],
    restarts: [],
    state: 'in progress',
  };
}

/** Fingerprints of the versions the release replaces: from the rollback archive when there is one. */
export async function beforeFingerprints(run: ImportRun, rollback: string | undefined): Promise<Map<string, string>> {
  const names = run.planned.jobs.filter((p) => p.action === 'overwrite').map((p) => p.name);
  const out = new Map<string, string>();
  if (names.length === 0) return out;
  const before: Definitions = rollback
    ? definitionsOf(await readArchive(rollback, IMPORT_READ_LIMITS))
    : await readWorkspaceDefinitions(run.session.dataarts, names, run.workDir);
  for (const name of names) {
    const job = before.jobs.get(name);
    if (job) out.set(name, jobFingerprint(job.json));
  }
  return out;
}
