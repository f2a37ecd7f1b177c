/** Flags shared by `jobs export-workspace` and `backups forget`. */
import type { Command } from 'commander';
import { positiveInt } from './action.js';

/** The retention rules (restic's), shared by `jobs export-workspace` and `backups forget`. */
export function retentionOptions(cmd: Command, keepHelp: string): Command {
  return cmd
    .option('--keep <n>', keepHelp, positiveInt('--keep'))
    .option('--keep-last <n>', 'keep the N newest restore points (the same as --keep N)', positiveInt('--keep-last'))
    .option('--keep-daily <n>', 'keep the newest restore point of each of the N most recent days that have one (UTC)', positiveInt('--keep-daily'))
    .option('--keep-weekly <n>', 'keep the newest restore point of each of the N most recent ISO weeks that have one (UTC)', positiveInt('--keep-weekly'))
    .option('--keep-monthly <n>', 'keep the newest restore point of each of the N most recent months that have one (UTC)', positiveInt('--keep-monthly'))
    .option('--keep-within <duration>', 'keep every restore point within DURATION of the newest one (7d, 48h)');
}
