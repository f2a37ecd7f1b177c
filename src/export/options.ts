/** Flags shared by `jobs export` and `jobs export-workspace` (the runners extend this). */
export interface ExportCommonOptions {
  jobsOnly: boolean;
  status: 'develop' | 'submit';
  expressionTimeZone?: string;
  output?: string;
  layout: 'zip' | 'dir';
  force: boolean;
  concurrency?: number;
  /** `--fail-on-secrets`: a secret found refuses the archive (exit 4, nothing written). */
  failOnSecrets?: boolean;
  /** `--secrets-baseline FILE`: accepted fingerprints. */
  secretsBaseline?: string;
}
