/**
 * Reading back one part while the next imports: once a part's task has ended, the jobs it
 * imported are exported from the workspace at once (in the background), so the read-back check
 * after the last part only reads what is left. A read that fails is simply not used: the check
 * reads those jobs again itself.
 */
import { mergeDefinitions, type Definitions } from '../compare/definitions.js';
import { readWorkspaceDefinitions } from '../compare/read-workspace.js';
import type { BatchExporter } from '../export/batches.js';

export class ReadAhead {
  private readonly reads: { names: string[]; result: Promise<Definitions | undefined> }[] = [];

  constructor(private readonly env: { client: BatchExporter; workDir: string }) {}

  /** Start reading `names` (jobs a finished part imported). */
  start(names: string[]): void {
    if (names.length === 0) return;
    const result = readWorkspaceDefinitions(this.env.client, names, this.env.workDir).catch(() => undefined);
    this.reads.push({ names, result });
  }

  /** What was read, and the names it covers (reads that failed cover nothing). */
  async collect(): Promise<{ read: Definitions; covered: Set<string> }> {
    const covered = new Set<string>();
    const sets: Definitions[] = [];
    for (const r of this.reads) {
      const defs = await r.result;
      if (!defs) continue;
      sets.push(defs);
      for (const n of r.names) if (defs.jobs.has(n)) covered.add(n);
    }
    return { read: mergeDefinitions(sets), covered };
  }
}
