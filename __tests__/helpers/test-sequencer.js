/**
 * jest's test order, with a head start for a checkout that has never run the suite.
 *
 * jest runs the files that took longest last time first, so that files which mostly wait (the
 * release journal's 20 s of task polls and `--timeout`s, real child processes) overlap the
 * CPU-bound ones instead of running alone at the end. It learns those durations from its own
 * cache; a fresh clone (CI, a new contributor) has none, and jest then orders by file size, which
 * started the 20-second file late: a fresh clone's run took 58 s against 52.7 s once the cache
 * knew (2026-12-02, quiet, 2 cores). Where jest's cache has no duration for a file, this takes it
 * from test-durations.json, else 0 (wall milliseconds of the files that took 2 s or more, measured with 4
 * workers). It only orders: a stale or missing entry costs time, never a result. To refresh it:
 *   npm test -- --json --outputFile=/tmp/r.json && node -e 'const r = require("/tmp/r.json"), o = {};
 *   for (const t of r.testResults.sort((a, b) => (b.endTime - b.startTime) - (a.endTime - a.startTime)))
 *     if (t.endTime - t.startTime >= 2000) o[require("path").relative(process.cwd(), t.name)] = Math.round((t.endTime - t.startTime) / 100) * 100;
 *   require("fs").writeFileSync("__tests__/helpers/test-durations.json", JSON.stringify(o, null, 2) + "\n")'
 */
import Sequencer from '@jest/test-sequencer';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const measured = JSON.parse(readFileSync(new URL('./test-durations.json', import.meta.url), 'utf8'));

// A CommonJS module: its class is the `default` of what ESM sees.
const JestSequencer = Sequencer.default ?? Sequencer;

export default class SequencerWithDurations extends JestSequencer {
  time(test) {
    // jest runs files with no duration before all timed ones; with 0 a file nobody timed (short,
    // or new) runs after the long ones instead, where it fills the end.
    return super.time(test) ?? measured[path.relative(test.context.config.rootDir, test.path).split(path.sep).join('/')] ?? 0;
  }
}
