/**
 * JSON output that carries numbers exactly as written. Node 20 has no JSON.rawJSON, so a value
 * that must appear as raw JSON text (a 64-bit id, a number read from a job file) serializes to a
 * marker string, and `stringifyWithRaw` puts the raw text back in place of the quoted marker.
 * The marker holds a per-process random part, so no string from a job file can forge one.
 */
import { randomBytes } from 'node:crypto';

const MARKER = `\u0000raw-json-${randomBytes(6).toString('hex')}:`;
const QUOTED_MARKER = new RegExp(`"${JSON.stringify(MARKER).slice(1, -1).replace(/\\/g, '\\\\')}([^"]*)"`, 'g');

/** What a value's toJSON returns to appear as `text` (which must be valid JSON) in the output. */
export function rawJsonToken(text: string): string {
  return `${MARKER}${text}`;
}

/** JSON.stringify, with every rawJsonToken replaced by its raw text. */
export function stringifyWithRaw(value: unknown, indent?: number): string {
  const text = JSON.stringify(value, null, indent);
  return text.includes('raw-json-') ? text.replace(QUOTED_MARKER, '$1') : text;
}
