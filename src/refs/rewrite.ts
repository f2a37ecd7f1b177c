/**
 * Rewrites references in the staged copy of an archive. Every edit goes through the archive's
 * position-preserving string editor, so nothing else in a file changes (not key order, spacing or
 * number spelling). The caller's buffers are never modified; a changed entry gets a new buffer.
 */
import { editJsonStrings } from '../archive/json-edit.js';
import { DataartsError, ExitCode } from '../errors.js';
import { formatJsonPath, type PathSegment } from './json-path.js';

export interface PlannedEdit {
  entry: string;
  /** JSON path as the inventory spells it (json-path.ts). */
  field: string;
  from: string;
  to: string;
}

/** An entry rewriter for these edits: entries without edits come back as they went in. */
export function buildEntryRewriter(edits: readonly PlannedEdit[]): (entry: string, data: Buffer) => Buffer {
  const byEntry = new Map<string, Map<string, PlannedEdit>>();
  for (const edit of edits) {
    const fields = byEntry.get(edit.entry) ?? new Map<string, PlannedEdit>();
    fields.set(edit.field, edit);
    byEntry.set(edit.entry, fields);
  }
  return (entry, data) => {
    const fields = byEntry.get(entry);
    if (!fields) return data;
    let applied = 0;
    const result = editJsonStrings(data.toString('utf8'), (path: readonly PathSegment[], value: string) => {
      const edit = fields.get(formatJsonPath(path));
      // Match the value too: a field that no longer holds the name we planned for is left alone.
      if (!edit || value !== edit.from) return undefined;
      applied++;
      return edit.to;
    });
    if (applied !== fields.size) {
      // The plan was made from this very entry; a miss means the bytes changed under us.
      throw new DataartsError(`internal: planned ${fields.size} reference rewrite(s) in ${entry} but found ${applied}`, ExitCode.INTERNAL);
    }
    return Buffer.from(result.text, 'utf8');
  };
}
