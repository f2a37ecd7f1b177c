#!/usr/bin/env node
/**
 * Benchmark (moved here from __tests__/backups/units.test.ts, issue 16: it took 13 s of the
 * suite): the size of the backups' state file after 10,000 jobs and a year of nightly runs with
 * no `--keep` (every night a restore point), 20 jobs changed, one added and one deleted a night.
 * The test keeps a short run of the same simulation (1,000 jobs, 60 nights) with a scaled bound.
 *
 * Target: under 1 MB. Imports from dist/: run `npm run build` first.
 * Usage: node bench/backups-state.js [jobs=10000] [nights=365]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const JOBS = Number(process.argv[2] ?? 10_000);
const NIGHTS = Number(process.argv[3] ?? 365);
const TARGET_BYTES = 1024 * 1024;
const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T01:00:00Z');

async function loadDist() {
  try {
    const [recordRun, chain, stateFile] = await Promise.all([
      import(path.join(root, 'dist/backups/record-run.js')),
      import(path.join(root, 'dist/backups/chain.js')),
      import(path.join(root, 'dist/backups/state-file.js')),
    ]);
    return { ...recordRun, ...chain, ...stateFile };
  } catch (err) {
    console.error(`cannot load dist/ (run \`npm run build\` first): ${err.message}`);
    process.exit(1);
  }
}

const { planNight, recordRun, selectJobs, restorePoints, serializeState } = await loadDist();
const started = Date.now();
const workspace = new Map();
for (let i = 0; i < JOBS; i++) workspace.set(`ods_finance_daily_load_${String(i).padStart(5, '0')}`, T0 - 30 * DAY + i);
let state;
let nextId = JOBS;
for (let n = 0; n < NIGHTS; n++) {
  const now = new Date(T0 + n * DAY);
  if (n > 0) {
    const names = [...workspace.keys()];
    for (let c = 0; c < 20; c++) workspace.set(names[(n * 37 + c * 101) % names.length], now.getTime() - 3_600_000 + c);
    workspace.delete(names[(n * 53) % names.length]);
    workspace.set(`ods_finance_daily_load_${String(nextId++).padStart(5, '0')}`, now.getTime() - 1_000);
  }
  const listed = [...workspace].map(([name, t]) => ({ name, jobType: 'BATCH', status: 'NORMAL', lastUpdateTime: t }));
  const plan = planNight(state, { full: false, fullEveryMs: 7 * DAY, now });
  const selected = selectJobs(listed, plan);
  const archive = { path: `/b/night-${n}.zip`, sha256: 'f'.repeat(64), layout: 'zip', jobs: selected.length, bytes: 1000 + n };
  state = recordRun(state, { startedAt: now, finishedAt: new Date(now.getTime() + 60_000), plan, listed, archive }, { stateFile: '/b/state.json', workspace: 'default', retention: undefined }).state;
}
const bytes = Buffer.byteLength(serializeState(state));
const points = restorePoints(state.runs).length;
console.log(`state file: ${JOBS.toLocaleString('en')} jobs x ${NIGHTS} nights (20 changed + 1 added + 1 deleted a night, no --keep): ${bytes.toLocaleString('en')} bytes, ${points} restore points, simulated in ${Date.now() - started} ms (target < 1 MB: ${bytes < TARGET_BYTES ? 'met' : 'NOT met'})`);
process.exitCode = bytes < TARGET_BYTES && points === NIGHTS ? 0 : 1;
