/**
 * One `jobs import` run: the checked settings, what it has read and planned, and everything it has
 * done on the service so far (staged objects, stopped jobs, finished parts). The steps in
 * src/import/ take this object instead of long parameter lists, and the runner
 * (src/commands/jobs-import.ts) puts them in order. What the run changed on the service is all
 * here, so a failure can say it and undo what can be undone.
 */
import type { CommandContext } from '../context.js';
import type { ArchiveModel } from '../archive/model.js';
import type { Session } from '../api/session.js';
import type { JobSummary } from '../api/dataarts.js';
import { parseObsPath } from '../api/obs.js';
import type { ReferencePlan } from '../refs/index.js';
import type { JobParams } from './params.js';
import type { PlannedJob, SameNamePolicy } from './plan.js';
import type { Prepared } from './prepare.js';
import type { StagedObject, StagingLocation } from './staging.js';
import type { JobOutcome } from './task.js';
import type { Change } from '../compare/definitions.js';
import type { Comparison } from './change-only.js';

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
}

/** What became of one job --stop-running stopped (src/import/restart.ts). */
export interface RestartResult {
  name: string;
  result: 'restarted' | 'left stopped';
  /** Why it was left stopped (or what went wrong starting it). */
  reason?: string;
}

/** The read-back check of one imported job. */
export interface VerifyResult {
  name: string;
  state: 'verified' | 'differs';
  /** What differs (`from` = the workspace's value, `to` = what was staged). */
  changes: Change[];
}

/** One imported part: its task, the task's final status and where its archive was staged. */
export interface PartResult {
  part: number;
  taskId: string;
  status: string;
  jobs: string[];
  staged: { path: string; removed: boolean };
}

/** What planning produced: per-job actions, the environment map's plan and the staged parts. */
export interface RunPlan {
  jobs: PlannedJob[];
  refs: ReferencePlan;
  prepared: Prepared;
  /** Every reason not to import (blocked jobs and problems in scripts); empty when all is well. */
  refusals: { subject: string; reason: string }[];
  /** The workspace's job list as planning read it. */
  existing: JobSummary[];
  /** Every same-name job compared with the workspace's version (src/import/change-only.ts). */
  comparisons: Map<string, Comparison>;
}

export class ImportRun {
  readonly ctx: CommandContext;
  readonly settings: ImportSettings;
  readonly model: ArchiveModel;
  readonly session: Session;
  /** Local temp directory for the rewritten parts; removed by the runner. */
  readonly workDir: string;
  /** Where parts are staged; undefined only in a dry run without one. */
  readonly staging?: StagingLocation;
  plan?: RunPlan;
  /** Objects staged in OBS by this run (removed on failure unless kept). */
  readonly staged: StagedObject[] = [];
  /** Jobs this run stopped (--stop-running). */
  stopped: string[] = [];
  readonly parts: PartResult[] = [];
  readonly outcomes: JobOutcome[] = [];
  /** Jobs whose definition was sent to the service in an import call (whatever came of it). */
  readonly sent = new Set<string>();
  /** Jobs of finished parts whose outcome no subtask told (decided by the read-back check). */
  readonly untold = new Set<string>();
  /** The rollback archive written before the upload, if any. */
  rollbackPath?: string;
  /** The read-back check, one per imported job (empty with --no-verify). */
  verification: VerifyResult[] = [];
  /** What became of every job --stop-running stopped. */
  restarts: RestartResult[] = [];

  constructor(init: { ctx: CommandContext; settings: ImportSettings; model: ArchiveModel; session: Session; workDir: string }) {
    this.ctx = init.ctx;
    this.settings = init.settings;
    this.model = init.model;
    this.session = init.session;
    this.workDir = init.workDir;
    const profilePath = init.session.config.obsStagingPath;
    this.staging = init.settings.obsPath ?? (profilePath ? parseObsPath(profilePath) : undefined);
  }

  get workspace(): string | undefined {
    return this.session.config.workspace;
  }

  /** The plan; throws when a step runs before planning (a bug). */
  get planned(): RunPlan {
    if (!this.plan) throw new Error('import run used before it was planned');
    return this.plan;
  }

  get workspaceLabel(): string {
    return this.workspace ? `workspace ${this.workspace}` : 'default workspace';
  }
}
