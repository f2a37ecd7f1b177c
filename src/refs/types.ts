/**
 * The shapes the environment map works with: what a job or script refers to outside itself, and
 * the plan that checks and rebinds those references for an import. Published to the import
 * command through src/refs/index.ts; keep them stable.
 */
import type { MapKind } from '../config/types.js';

/**
 * What a reference can point at: a mappable kind, a script the node runs, a resource (JAR, file)
 * the node uses, or a Kafka topic.
 */
export type ReferenceKind = MapKind | 'script' | 'resource' | 'kafka-topic';

export interface Reference {
  kind: ReferenceKind;
  /** The name as written in the file. */
  name: string;
  /** The job holding the reference (absent for a reference inside a script file). */
  job?: string;
  /** The node holding the reference (absent for job-level fields such as basicConfig.agency). */
  node?: string;
  /** The script holding the reference (for references inside a `.script` file). */
  script?: string;
  /** Where in the file, as a JSON path such as `nodes[0].properties[2].value`. */
  field: string;
  /** The archive entry holding it (absent when read from a workspace). */
  entry?: string;
}

export interface Substitution {
  kind: MapKind;
  from: string;
  to: string;
  /** `import-resources` = also sent as the import call's `resources` rebinding. */
  via: 'import-resources' | 'rewrite';
  where: { job?: string; node?: string; script?: string; entry: string }[];
}

export interface ReferenceProblem {
  /** Job name (or script name for a reference inside a script file). */
  subject: string;
  /** Names the node or script, the kind and the name. */
  reason: string;
}

export interface ImportResource {
  name: string;
  type: string;
  replace: string;
}

export interface ReferencePlan {
  references: Reference[];
  substitutions: Substitution[];
  blocked: ReferenceProblem[];
  /**
   * What the target workspace lacks, one row per missing name (after mapping): the names it was
   * mapped from, and the jobs and scripts that need it. The same facts as `blocked`, grouped for a
   * short summary ("missing: connection dev_dws (12 jobs)").
   */
  missing: { kind: 'connection'; name: string; mappedFrom: string[]; subjects: string[] }[];
  /** Kinds the tool cannot check against the service, with the names (after mapping) it did not check. */
  unchecked: { kind: Exclude<ReferenceKind, 'script' | 'resource'>; names: string[] }[];
  /** For the import call's `resources` field. */
  importResources: ImportResource[];
  /** Map entries that matched no reference (probably a typo or a stale map). */
  unusedMappings: { kind: MapKind; from: string; to: string }[];
  /** The staged copy's bytes for an entry: a new buffer when something was rewritten, else `data`. */
  rewriteEntry(entry: string, data: Buffer): Buffer;
}

/** The least of an archive (or a workspace read) the inventory needs. */
export interface ReferenceSource {
  jobs: { name: string; entry?: string; json: unknown }[];
  scripts: { name: string; entry?: string; json: unknown }[];
}
