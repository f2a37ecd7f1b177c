/**
 * A session for a command driven by a release journal (`jobs import --resume`, `jobs undo`): the
 * journal's workspace (never the environment's: a release is finished or undone where it ran),
 * and a refusal before any request when the configuration points at another endpoint or project.
 */
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { openSession, type Session } from '../api/session.js';
import type { ReleaseRecord } from './journal.js';

export async function openJournalSession(ctx: CommandContext, record: Pick<ReleaseRecord, 'workspace' | 'endpoint' | 'projectId'>, journalPath: string): Promise<Session> {
  const given = ctx.globals.workspace;
  if (given !== undefined && given !== (record.workspace ?? undefined)) {
    throw new UsageError(`--workspace ${given} is not the release's workspace (${record.workspace ?? 'the default workspace'}, in ${journalPath})`, {
      hint: 'Leave --workspace out: the journal names the workspace.',
    });
  }
  const session = await openSession(ctx);
  if (session.config.endpoint !== record.endpoint || session.config.projectId !== record.projectId) {
    await session.close();
    throw new UsageError(`the release in ${journalPath} ran against ${record.endpoint} (project ${record.projectId}); this configuration points at ${session.config.endpoint} (project ${session.config.projectId})`, {
      hint: 'Run it with the profile or environment the release used.',
    });
  }
  // Before any request: every call of this session goes to the release's workspace.
  if (record.workspace === null) delete session.config.workspace;
  else session.config.workspace = record.workspace;
  return session;
}
