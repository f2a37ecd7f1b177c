/**
 * One `jobs import` run: the checked settings, the archive, the session and what planning found.
 * Nothing here changes once planned: what the run does to the service is what the steps return,
 * and the runner (src/commands/jobs-import.ts) records each result in the release journal
 * (journal.ts), so a failure, an interrupt or another process can tell it and finish or undo it.
 */
import type { CommandContext } from '../context.js';
import type { ArchiveModel } from '../archive/model.js';
import type { Session } from '../api/session.js';
import type { JobSummary } from '../api/dataarts.js';
import { parseObsPath } from '../api/obs.js';
import type { ReferencePlan } from '../refs/index.js';
import type { JobParams } from './params.js';
import type { PlannedJob, SameNamePolicy } from './job-actions.js';
import type { Prepared } from './prepare.js';
import type { StagingLocation } from './staging.js';
import type { Comparison } from './change-only.js';
import type { SavedPlan } from './saved-plan-format.js';
import type { StagedPrint } from './staged-prints.js';

/** The flags of `jobs import`, checked and in the service's terms. */
export interface ImportSettings {
  archive: string;
  policy: SameNamePolicy;
  timeZone?: string;
  params?: Record<string, string>;
  jobParams?: JobParams[];
  /** From --obs-path, else the profile's obsStagingPath (resolved once the session is open). */
  obsPath?: StagingLocation;
  targetStatus?: 'SAVED' | 'SUBMITTED' | 'PRODUCTION';
  approvers: string[];
  executeUser?: string;
  stopRunning: boolean;
  dryRun: boolean;
  keepStaged: boolean;
  wait: boolean;
  timeoutMs: number;
  env?: string;
  map: string[];
  /** Where to save the versions an overwrite replaces; false with --no-rollback; undefined = default name. */
  rollback?: string | false;
  /** Also stage and overwrite jobs equal to the workspace's (--include-unchanged). */
  includeUnchanged: boolean;
  /** Start again what --stop-running stopped (false with --no-restart). */
  restart: boolean;
  /** Read the imported jobs back and compare them with what was staged (false with --no-verify). */
  verify: boolean;
  /** --plan-out PATH (absolute), with --dry-run: where to save the plan. */
  planOut?: string;
  /** The plan-deciding flags as given, saved with --plan-out. */
  planOptions?: Record<string, unknown>;
  /** --plan PLAN: the saved plan to apply exactly. */
  savedPlan?: SavedPlan;
  /** --journal PATH (absolute); undefined = the default name beside the rollback archive. */
  journal?: string;
}

export type { VerifyResult } from './journal.js';

/** What the import keeps of the environment map's plan once the staged copy is rewritten. */
export type PlannedReferences = Omit<ReferencePlan, 'references' | 'rewriteEntry'>;

/** One imported part: its task, the task's final status and where its archive was staged. */
export interface PartResult {
  part: number;
  taskId: string;
  status: string;
  jobs: string[];
  staged: { path: string; removed: boolean };
}

/** What planning produced: per-job actions, the environment map's plan and the staged parts. */
export interface ImportPlan {
  jobs: PlannedJob[];
  /**
   * The environment map's plan as the rest of the run needs it: without the inventory of every
   * reference and the rewriter, used only while planning (at 10,000 jobs the inventory alone was
   * ~15 MB held to the end).
   */
  refs: PlannedReferences;
  prepared: Prepared;
  /** Every reason not to import (blocked jobs and problems in scripts); empty when all is well. */
  refusals: { subject: string; reason: string }[];
  /** The workspace's job list as planning read it. */
  existing: JobSummary[];
  /** Every same-name job compared with the workspace's version (src/import/change-only.ts). */
  comparisons: Map<string, Comparison>;
  /** What the read-back and the journal keep of each staged job (staged-prints.ts); empty in a dry run. */
  stagedPrints: Map<string, StagedPrint>;
}

/** The archive as read; emptied once the run no longer needs its bytes (ImportRun.releaseArchive). */
export interface ArchiveHolder {
  model?: ArchiveModel;
}

/** The archive's names only: what a run needs of it once it is planned. */
export interface ArchiveOutline {
  jobs: { name: string; entry: string; companions: string[] }[];
  scripts: { name: string }[];
  entries: { name: string }[];
}

function outlineOf(model: ArchiveModel): ArchiveOutline {
  return {
    jobs: model.jobs.map((j) => ({ name: j.name, entry: j.entry, companions: j.companions })),
    scripts: model.scripts.map((s) => ({ name: s.name })),
    entries: model.entries.map((e) => ({ name: e.name })),
  };
}

/** Where parts are staged: --obs-path, else the profile's obsStagingPath; undefined when neither. */
export function stagingOf(settings: Pick<ImportSettings, 'obsPath'>, session: Session): StagingLocation | undefined {
  const profilePath = session.config.obsStagingPath;
  return settings.obsPath ?? (profilePath ? parseObsPath(profilePath) : undefined);
}

export class ImportRun {
  readonly ctx: CommandContext;
  readonly settings: ImportSettings;
  readonly outline: ArchiveOutline;
  private readonly archive: ArchiveHolder;
  readonly session: Session;
  /** Local temp directory for the rewritten parts; removed by the runner. */
  readonly workDir: string;
  /** Where parts are staged; undefined only in a dry run without one. */
  readonly staging?: StagingLocation;
  plan?: ImportPlan;

  constructor(init: { ctx: CommandContext; settings: ImportSettings; archive: ArchiveHolder; session: Session; workDir: string }) {
    this.ctx = init.ctx;
    this.settings = init.settings;
    this.archive = init.archive;
    this.outline = outlineOf(this.model);
    this.session = init.session;
    this.workDir = init.workDir;
    this.staging = stagingOf(init.settings, init.session);
  }

  /** The archive as read, with every file's bytes; planning and the dry run's plan file use it. */
  get model(): ArchiveModel {
    if (!this.archive.model) throw new Error('the archive was used after its bytes were let go (a bug)');
    return this.archive.model;
  }

  /**
   * Once planned for a real import, the parts to stage are on disk: the archive's bytes (the
   * largest thing a run holds, ~40 MB at 10,000 jobs) are let go; `outline` keeps its names.
   */
  releaseArchive(): void {
    delete this.archive.model;
  }

  get workspace(): string | undefined {
    return this.session.config.workspace;
  }

  /** The plan; throws when a step runs before planning (a bug). */
  get planned(): ImportPlan {
    if (!this.plan) throw new Error('import run used before it was planned');
    return this.plan;
  }

  get workspaceLabel(): string {
    return this.workspace ? `workspace ${this.workspace}` : 'default workspace';
  }
}
