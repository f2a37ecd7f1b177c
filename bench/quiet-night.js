#!/usr/bin/env node
/**
 * Quiet-night benchmark (issue 19, part B). Runs after `npm run build` (imports from dist/).
 *
 * A 10,000-job, 10,000-script emulator workspace with the documented rate limits on (job list and
 * scripts list 30 calls/s each, reference §0/§20), 20 ms latency, list pages capped at 100 (the
 * scripts list's documented maximum; the OTC mirror's for jobs). Night 1 (`jobs export-workspace
 * --state-file`, full) sets up the chain; night 2 changes nothing and is measured, as a real child
 * process: wall time against the slower listing bound (the two lists are read concurrently, so
 * the bound is the larger of ⌈jobs pages⌉ ÷ 30/s and ⌈script pages⌉ ÷ 30/s; target ≤ 1.3×), and
 * peak RSS (VmHWM of the child).
 *
 * Figures go to stdout. Usage: node bench/quiet-night.js [--jobs N] [--scripts N] [--script-kb N]
 * (`--script-kb`: the added scripts' content padded to N KB each, e.g. 64, the list's maximum: the
 * full night's peak RSS then shows whether script contents are held).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMeasured } from './lib/child.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => path.join(root, 'dist', p);
const args = process.argv.slice(2);
const argValue = (flag, fallback) => {
  const i = args.indexOf(flag);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const JOBS = argValue('--jobs', 10_000);
const SCRIPTS = argValue('--scripts', 10_000);
const SCRIPT_KB = argValue('--script-kb', 0);
const LATENCY_MS = 20;
const PAGE = 100;
const RATE = 30;

const { startEmulator } = await import(dist('emulator/index.js'));
const { connectionInfo } = await import(dist('emulator/cli.js'));

const emu = await startEmulator({ seedJobs: JOBS, rateLimits: true, latencyMs: LATENCY_MS, seed: 1, listPageCap: PAGE });
// The seed gives a script for every third job; the rest are scripts no job uses (a workspace's
// ad-hoc SQL), each a few hundred bytes as real ones are.
const ws = emu.state.workspace('default');
for (let i = ws.scripts.size + 1; ws.scripts.size < SCRIPTS; i++) {
  emu.state.putScript('default', {
    name: `adhoc_${String(i).padStart(5, '0')}`, type: 'DLISQL', connectionName: 'dev_dli', database: 'dli_demo', directory: '/adhoc',
    content: `-- ad-hoc query ${i}\n${SCRIPT_KB > 0 ? `-- ${'x'.repeat(SCRIPT_KB * 1024 - 200)}\n` : ''}SELECT region, SUM(amount) AS total FROM sales_${i % 97} WHERE dt = '\${yyyyMMdd}' GROUP BY region;\n`, description: '',
  });
}
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'dataarts-bench-night-'));
const env = { PATH: process.env.PATH, ...connectionInfo(emu).env };


const night = ['jobs', 'export-workspace', '--state-file', 'state.json', '-o', './', '--json', '--no-progress'];
try {
  const first = await runMeasured(night, { env, cwd: work });
  if (first.code !== 0) throw new Error(`night 1 failed (${first.code}): ${first.stderr}`);
  const before = emu.requests.length;
  const quiet = await runMeasured(night, { env, cwd: work });
  if (quiet.code !== 0) throw new Error(`night 2 failed (${quiet.code}): ${quiet.stderr}`);
  const doc = JSON.parse(quiet.stdout);
  const calls = emu.requests.slice(before);
  const jobCalls = calls.filter((r) => r.method === 'GET' && r.path.endsWith('/jobs')).length;
  const scriptCalls = calls.filter((r) => r.method === 'GET' && r.path.endsWith('/scripts')).length;
  const throttled = calls.filter((r) => r.status === 429).length;
  const byType = [...ws.jobs.values()].reduce((m, j) => m.set(j.jobType, (m.get(j.jobType) ?? 0) + 1), new Map());
  const jobPages = [...byType.values()].reduce((s, n) => s + Math.ceil(n / PAGE), 0);
  const scriptPages = Math.ceil(ws.scripts.size / PAGE);
  const bound = Math.max(jobPages, scriptPages) / RATE;
  const stateBytes = (await fs.stat(path.join(work, 'state.json'))).size;
  console.log(`quiet night: ${ws.jobs.size} jobs, ${ws.scripts.size} scripts${SCRIPT_KB > 0 ? ` (the added ones ${SCRIPT_KB} KB each)` : ''}; emulator: rate limits on, ${LATENCY_MS} ms latency, pages capped at ${PAGE}`);
  console.log(`quiet night: ${jobCalls} job-list calls (${jobPages} pages), ${scriptCalls} script-list calls (${scriptPages} pages), ${calls.length - jobCalls - scriptCalls} other calls, ${throttled} throttled (429); state file ${stateBytes} bytes`);
  console.log(`quiet night: kind ${doc.kind}, jobs +${doc.changes.jobs.added.length} ~${doc.changes.jobs.changed.length} -${doc.changes.jobs.deleted.length}, scripts +${doc.changes.scripts.added.length} ~${doc.changes.scripts.changed.length} -${doc.changes.scripts.deleted.length}`);
  console.log(`quiet night: wall ${quiet.seconds.toFixed(2)} s; slower listing bound ${bound.toFixed(2)} s (max of ${jobPages} and ${scriptPages} pages at ${RATE}/s); ratio ${(quiet.seconds / bound).toFixed(2)}x (target <= 1.3x)`);
  const span = (f) => {
    const t = calls.filter(f).map((r) => r.time);
    return t.length ? `${((Math.min(...t) - quiet.startedAt) / 1000).toFixed(2)}–${((Math.max(...t) - quiet.startedAt) / 1000).toFixed(2)} s` : '-';
  };
  console.log(`quiet night: phases from the start: job list ${span((r) => r.method === 'GET' && r.path.endsWith('/jobs'))}, scripts list ${span((r) => r.method === 'GET' && r.path.endsWith('/scripts'))}, end ${((quiet.endedAt - quiet.startedAt) / 1000).toFixed(2)} s`);
  console.log(`quiet night: peak RSS ${quiet.peakRssMb.toFixed(1)} MB; night 1 (full) ${first.seconds.toFixed(2)} s, peak RSS ${first.peakRssMb.toFixed(1)} MB`);
} finally {
  await emu.close();
  await fs.rm(work, { recursive: true, force: true });
}
