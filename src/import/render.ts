/**
 * What `jobs import` prints on stdout: the plan (--dry-run) and the result, as aligned text or as
 * one JSON document. The shapes here are the command's public output; keep them stable.
 */
import { formatTable } from '../output/render.js';
import type { PlannedJob } from './plan.js';
import type { JobOutcome } from './task.js';

/** What the environment map adds to the plan (src/refs). */
export interface PlanReferenceNotes {
  substitutions: { kind: string; from: string; to: string; via: string; where: { job?: string; node?: string; script?: string; entry: string }[] }[];
  unchecked: { kind: string; names: string[] }[];
}

export interface PartSummary {
  /** 1-based. */
  part: number;
  jobs: string[];
  zipBytes: number;
  unpackedBytes: number;
}

export interface PlanDocument {
  workspace: string | null;
  dryRun: true;
  duplicatePolicy: 'SKIP' | 'OVERWRITE';
  jobs: { name: string; type: string; action: string; reason: string | null }[];
  blocked: number;
  parts: PartSummary[];
  substitutions: PlanReferenceNotes['substitutions'];
  unchecked: PlanReferenceNotes['unchecked'];
  stagingPath: string | null;
}

export function planDocument(
  workspace: string | undefined,
  policy: 'SKIP' | 'OVERWRITE',
  plan: PlannedJob[],
  parts: PartSummary[],
  refs: PlanReferenceNotes | undefined,
  stagingPath: string | undefined,
): PlanDocument {
  return {
    workspace: workspace ?? null,
    dryRun: true,
    duplicatePolicy: policy,
    jobs: plan.map((p) => ({ name: p.name, type: p.type, action: p.action, reason: p.reason ?? null })),
    blocked: plan.filter((p) => p.action === 'blocked').length,
    parts,
    substitutions: refs?.substitutions ?? [],
    unchecked: refs?.unchecked ?? [],
    stagingPath: stagingPath ?? null,
  };
}

export function planLines(doc: PlanDocument): string[] {
  const lines = formatTable(
    ['JOB', 'TYPE', 'ACTION', 'REASON'],
    doc.jobs.map((j) => [j.name, j.type, j.action, j.reason ?? '']),
  );
  if (doc.substitutions.length > 0) {
    lines.push('', ...formatTable(
      ['KIND', 'FROM', 'TO', 'VIA', 'WHERE'],
      doc.substitutions.map((s) => [s.kind, s.from, s.to, s.via, s.where.map(whereText).join(', ')]),
    ));
  }
  if (doc.unchecked.length > 0) {
    lines.push('', ...formatTable(['UNCHECKED', 'NAMES'], doc.unchecked.map((u) => [u.kind, u.names.join(', ')])));
  }
  return lines;
}

function whereText(w: { job?: string; node?: string; script?: string; entry: string }): string {
  if (w.job && w.node) return `${w.job}/${w.node}`;
  return w.job ?? w.script ?? w.entry;
}

/** `{job}  created|overwritten|skipped|failed  {service message}`, columns aligned. */
export function resultLines(outcomes: JobOutcome[]): string[] {
  const width = Math.max(0, ...outcomes.map((o) => o.name.length));
  // The service's own "created:"-style prefix repeats the result column: drop it here (JSON keeps it).
  return outcomes.map((o) => `${o.name.padEnd(width)}  ${o.result.padEnd(11)}  ${o.message.replace(/^(created|overwritten|skipped|failed):\s*/, '')}`.trimEnd());
}

export interface PartResult {
  part: number;
  taskId: string;
  status: string;
  jobs: string[];
  staged: { path: string; removed: boolean };
}

export interface ResultDocument {
  workspace: string | null;
  /** The task of the only part; with several parts, the first one's (all are under `parts`). */
  taskId: string;
  /** The worst status over the parts: FAILED, WARNING, then SUCCESSFUL. */
  status: string;
  jobs: JobOutcome[];
  stopped: string[];
  staged: { path: string; removed: boolean };
  parts: PartResult[];
}

const STATUS_RANK: Record<string, number> = { SUCCESSFUL: 0, WARNING: 1, RUNNING: 2, FAILED: 3 };

export function worstStatus(statuses: string[]): string {
  return statuses.reduce((worst, s) => ((STATUS_RANK[s] ?? 3) > (STATUS_RANK[worst] ?? 3) ? s : worst), 'SUCCESSFUL');
}

export function resultDocument(workspace: string | undefined, parts: PartResult[], outcomes: JobOutcome[], stopped: string[]): ResultDocument {
  const first = parts[0]!;
  return {
    workspace: workspace ?? null,
    taskId: first.taskId,
    status: worstStatus(parts.map((p) => p.status)),
    jobs: outcomes,
    stopped,
    staged: { path: first.staged.path, removed: parts.every((p) => p.staged.removed) },
    parts,
  };
}
