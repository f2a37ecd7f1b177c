/**
 * What the read-back check and the release journal keep of each staged job: fingerprints only
 * (src/compare/fingerprint.ts: equal exactly when compareJob finds no change), the job's and those
 * of the scripts and resources its part carries for it, as the import call leaves them. Made while
 * planning from the very bytes written into the parts, each entry parsed once, so nothing staged
 * has to be read again or kept (a few hundred bytes a job instead of its definition).
 */
import { parseJsonExact } from '../archive/json-exact.js';
import { definitionFingerprint } from '../compare/fingerprint.js';
import { jobAfterImportCall, scriptAfterImportCall, type ImportCallEffects } from '../compare/import-effects.js';
import type { PreparedPart } from './prepare.js';

export interface StagedPrint {
  job: string;
  companions: { kind: 'script' | 'resource'; name: string; print: string }[];
}

/** What a staged job names: its scripts and resources (archive/model.ts ArchiveJob). */
interface StagedJobView {
  name: string;
  entry: string;
  scriptNames: string[];
  resourceNames: string[];
}

const utf8 = new TextDecoder('utf-8');
const KIND_OF_EXTENSION = { '.script': 'script', '.resource': 'resource' } as const;

function exact(data: Buffer): Record<string, unknown> {
  return parseJsonExact(utf8.decode(data)) as Record<string, unknown>;
}

/** The prints of every job of `parts`, from the entries' bytes as written (`data`). */
export function stagedPrintsOf(
  parts: PreparedPart[],
  input: { data: Map<string, Buffer>; jobs: StagedJobView[]; effects: ImportCallEffects },
): Map<string, StagedPrint> {
  const { data, effects } = input;
  const byName = new Map(input.jobs.map((j) => [j.name, j]));
  const out = new Map<string, StagedPrint>();
  for (const part of parts) {
    // The part's copy of each script and resource by name (copies in several job folders are equal).
    const carried = { script: new Map<string, string>(), resource: new Map<string, string>() };
    for (const entry of part.entries) {
      const dot = entry.lastIndexOf('.');
      const kind = KIND_OF_EXTENSION[entry.slice(dot) as keyof typeof KIND_OF_EXTENSION];
      if (kind) carried[kind].set(entry.slice(entry.lastIndexOf('/') + 1, dot), entry);
    }
    const printed = { script: new Map<string, string>(), resource: new Map<string, string>() };
    const printOf = (kind: 'script' | 'resource', name: string): string | undefined => {
      const entry = carried[kind].get(name);
      if (entry === undefined) return undefined;
      let print = printed[kind].get(name);
      if (print === undefined) {
        const json = exact(data.get(entry)!);
        print = definitionFingerprint(kind, kind === 'script' ? scriptAfterImportCall(json, effects) : json);
        printed[kind].set(name, print);
      }
      return print;
    };
    for (const name of part.jobs) {
      const job = byName.get(name)!;
      const companions: StagedPrint['companions'] = [];
      for (const [kind, names] of [['script', job.scriptNames], ['resource', job.resourceNames]] as const) {
        for (const n of names) {
          const print = printOf(kind, n);
          if (print !== undefined) companions.push({ kind, name: n, print });
        }
      }
      out.set(name, { job: definitionFingerprint('job', jobAfterImportCall(name, exact(data.get(job.entry)!), effects)), companions });
    }
  }
  return out;
}
