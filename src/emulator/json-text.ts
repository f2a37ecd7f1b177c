/**
 * Lossless JSON edits: job files carry integers beyond 2^53 (console ids) that JSON.parse would
 * round. Big integers are swapped for sentinel strings before parsing and restored on output, so
 * an edited job keeps every other byte of meaning.
 */
const SENTINEL = '__emulator_bigint__:';
const TOKENS = /"(?:[^"\\]|\\.)*"|-?\d{16,}(?![.\deE])/g;

/** Parse JSON text, keeping integers of 16+ digits as sentinel strings. */
export function parseLossless(text: string): unknown {
  return JSON.parse(text.replace(TOKENS, (tok) => (tok.startsWith('"') ? tok : `"${SENTINEL}${tok}"`)));
}

/** Stringify a value parsed with parseLossless, restoring the big integers. */
export function stringifyLossless(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(new RegExp(`"${SENTINEL}(-?\\d+)"`, 'g'), '$1');
}
