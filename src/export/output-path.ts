/**
 * Output names: the default name carries the workspace and the UTC time of the run, made unique
 * with a `-N` suffix (claimed in output-target.ts); and the names `--keep` without a state file rotates.
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';

/** `2026-11-21T22:24:59.123Z` → `20261121T222459Z`. */
export function utcStamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** The workspace as it may appear in a file name (the service's default workspace is 'default'). */
export function workspaceLabel(workspace: string | undefined): string {
  return (workspace ?? 'default').replace(/[^A-Za-z0-9._-]/g, '_') || 'default';
}

export type NamePrefix = 'dataarts-jobs' | 'dataarts-workspace' | 'dataarts-restore';

/** `{prefix}-{workspace}-{stamp}[-N][.zip]`. */
export function defaultOutputName(name: { prefix: NamePrefix; workspace: string; stamp: string; layout: 'zip' | 'dir'; n?: number }): string {
  const { prefix, workspace, stamp, layout, n = 1 } = name;
  return `${prefix}-${workspace}-${stamp}${n > 1 ? `-${n}` : ''}${layout === 'zip' ? '.zip' : ''}`;
}

export interface RotationCandidate {
  path: string;
  stamp: string;
  n: number;
}

/**
 * Outputs of `export-workspace` for this workspace in `dir` (only names this command generates:
 * `dataarts-workspace-{workspace}-{YYYYMMDDTHHMMSSZ}[-N][.zip]`), oldest first.
 */
export async function listOwnOutputs(dir: string, workspace: string, layout: 'zip' | 'dir'): Promise<RotationCandidate[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return ownOutputs(names, workspace, layout).map((c) => ({ ...c, path: path.join(dir, c.path) }));
}

/** The same choice over names already listed (a local directory or an OBS prefix), oldest first. */
export function listOwnOutputNames(names: string[], workspace: string, layout: 'zip' | 'dir'): string[] {
  return ownOutputs(names, workspace, layout).map((c) => c.path);
}

function ownOutputs(names: string[], workspace: string, layout: 'zip' | 'dir'): RotationCandidate[] {
  const escaped = workspace.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^dataarts-workspace-${escaped}-(\\d{8}T\\d{6}Z)(?:-(\\d+))?${layout === 'zip' ? '\\.zip' : ''}$`);
  const found: RotationCandidate[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (m) found.push({ path: name, stamp: m[1]!, n: m[2] ? Number(m[2]) : 1 });
  }
  return found.sort((a, b) => (a.stamp === b.stamp ? a.n - b.n : a.stamp < b.stamp ? -1 : 1));
}
