/**
 * `dataarts backups diff --state-file PATH A B [--detail]`: jobs and scripts added, removed and
 * changed from restore point A to restore point B (each the newest point at or before the time
 * given). From the state alone; `--detail` reads the chains' archives for the changed paths.
 */
import type { CommandContext } from '../context.js';
import { openBackupAccess, openBackupState, type BackupAccess } from '../backups/open-state.js';
import { pickPoint } from '../backups/pick-point.js';
import { detailChanges, diffPoints, type ListDiff } from '../backups/point-diff.js';
import type { Change } from '../compare/definitions.js';
import { printJson, printLines } from '../output/render.js';

export interface BackupsDiffOptions {
  stateFile: string;
  a: string;
  b: string;
  detail: boolean;
}

/** A value as one short line (as `jobs diff` shows it). */
function shown(v: unknown): string {
  if (v === null || v === undefined) return '(none)';
  const text = JSON.stringify(v);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

const wire = (c: Change) => ({ path: c.path, from: c.from ?? null, to: c.to ?? null });

function lines(kind: 'job' | 'script', d: ListDiff, detail: Map<string, Change[]> | undefined): string[] {
  const out: string[] = [];
  for (const n of d.added) out.push(`+ ${kind} ${n}`);
  for (const n of d.removed) out.push(`- ${kind} ${n}`);
  for (const n of d.changed) {
    const changes = detail?.get(n);
    out.push(`~ ${kind} ${n}${changes ? ` (${changes.length} path${changes.length === 1 ? '' : 's'})` : ''}`);
    for (const c of changes ?? []) out.push(`    ${c.path}: ${shown(c.from)} → ${shown(c.to)}`);
  }
  return out;
}

export async function runBackupsDiff(ctx: CommandContext, opts: BackupsDiffOptions): Promise<number> {
  const access = openBackupAccess(ctx);
  try {
    return await diff(ctx, opts, access);
  } finally {
    await access.close();
  }
}

async function diff(ctx: CommandContext, opts: BackupsDiffOptions, access: BackupAccess): Promise<number> {
  const { file, state } = await openBackupState(ctx, access, opts.stateFile);
  const now = ctx.deps.now();
  const a = pickPoint(state, file, { value: opts.a, flag: 'A', now });
  const b = pickPoint(state, file, { value: opts.b, flag: 'B', now });
  const changes = diffPoints(state, a, b);
  const detail = opts.detail ? await detailChanges({ repo: access.repo, stateFile: file, scratch: access.scratch }, state, { a, b, diff: changes }) : undefined;
  const from = state.runs[a]!.startedAt;
  const to = state.runs[b]!.startedAt;
  if (ctx.globals.json) {
    const withDetail = (d: ListDiff, m: Map<string, Change[]> | undefined) => ({
      ...d,
      ...(m ? { changes: Object.fromEntries([...m].map(([n, cs]) => [n, cs.map(wire)])) } : {}),
    });
    await printJson(ctx.deps.io.stdout, { stateFile: file, from, to, jobs: withDetail(changes.jobs, detail?.jobs), scripts: withDetail(changes.scripts, detail?.scripts) });
    return 0;
  }
  const count = (d: ListDiff) => `${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed`;
  ctx.ui.info(`from ${from} to ${to}: jobs ${count(changes.jobs)}; scripts ${count(changes.scripts)}`);
  const all = [...lines('job', changes.jobs, detail?.jobs), ...lines('script', changes.scripts, detail?.scripts)];
  await printLines(ctx.deps.io.stdout, all.map((l) => (l.length > 200 ? `${l.slice(0, 199)}…` : l)));
  return 0;
}
