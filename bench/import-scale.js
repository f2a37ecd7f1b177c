#!/usr/bin/env node
/**
 * Benchmark (issue 17 item 6): imports at scale, as a user runs them (the CLI in a child process,
 * emulator rate limits on, 20 ms latency), wall time from spawn to exit and peak RSS (VmHWM).
 *
 * 1. Restore: 10,000 jobs into an empty workspace (the archive is over 10 MB: several parts). The
 *    service's own time is the import tasks (measured from the emulator's task start and end times)
 *    plus the read-back's ⌈N/100⌉ batch exports at 10/s. Target ≤ 1.3× of that, peak RSS ≤ 250 MB.
 * 2. Change-only release: 2,500 jobs against a workspace holding all of them, 100 changed, 60
 *    running (2 of them changed): the dry run's plan (target ≤ 1.3× its batch-export bound,
 *    ⌈2500/100⌉ calls at 10/s), then the release itself: exactly the changed running jobs stopped
 *    and started again, 100 overwritten, 2,400 unchanged, exit 0, no Node warning and no stderr
 *    line over 200 characters.
 *
 * Imports from dist/: run `npm run build` first.
 * Usage: node bench/import-scale.js [--jobs 10000] [--release-jobs 2500] [--only restore|release|plan]
 * (`plan`: the release's dry run alone)
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { runMeasured } from './lib/child.js';

// The emulator runs in this process, which has just built thousands of jobs and an archive: a
// full collection of that garbage during the measured run paused the emulator for ~0.3 s, so two
// paced calls arrived together and one was throttled (a 2 s back-off in the client's time). The
// heap is settled before each measured run instead.
v8.setFlagsFromString('--expose-gc');
const settleHeap = vm.runInNewContext('gc');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => path.join(root, 'dist', p);
const args = process.argv.slice(2);
const argValue = (flag, fallback) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : fallback;
};
const JOBS = Number(argValue('--jobs', 10_000));
const RELEASE_JOBS = Number(argValue('--release-jobs', 2_500));
const ONLY = argValue('--only', 'both');
const IMPORT_DELAY_MS = Number(argValue('--import-delay-ms', 1));

const { startEmulator } = await import(dist('emulator/index.js'));
const { connectionInfo } = await import(dist('emulator/cli.js'));
const { DeterministicZipWriter, compareEntryNames } = await import(dist('archive/zip-write.js'));


/** The batch-layout archive of `names` from a workspace's stored texts, `edit` applied to job texts. */
async function writeArchive(emu, wsId, names, file, edit = (_n, t) => t) {
  const ws = emu.state.workspace(wsId);
  const entries = new Map();
  for (const name of names) {
    const job = ws.jobs.get(name);
    entries.set(`jobs/${name}/${name}.job`, Buffer.from(edit(name, job.text)));
    for (const m of job.text.matchAll(/"scriptName",\s*"value": "([^"]+)"/g)) {
      const s = ws.scripts.get(m[1]);
      if (s) entries.set(`jobs/${name}/${m[1]}.script`, Buffer.from(s.text));
    }
  }
  const w = DeterministicZipWriter.open(file);
  for (const n of [...entries.keys()].sort(compareEntryNames)) w.add(n, entries.get(n));
  await w.finish();
}

/** Problems a user would see: Node warnings and over-long lines. */
function readability(stderr, stdout) {
  const longLines = [...stderr.split('\n'), ...stdout.split('\n')].filter((l) => l.length > 200);
  if (longLines.length > 0) console.log(`  first line over 200 chars: ${longLines[0].slice(0, 160)}…`);
  const warnings = stderr.split('\n').filter((l) => /\(node:\d+\)|MaxListeners/.test(l));
  return { long: longLines.length, warnings };
}

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'dataarts-bench-import-scale-'));
let failed = false;
try {
  if (ONLY === 'both' || ONLY === 'restore') {
    const emu = await startEmulator({ port: 0, workspaces: ['dev', 'prod'], seedWorkspace: 'dev', seedJobs: JOBS, rateLimits: true, latencyMs: 20, seed: 1, importDelayMs: IMPORT_DELAY_MS });
    try {
      for (const c of emu.state.workspace('dev').connections.values()) emu.state.addConnection('prod', c);
      const zip = path.join(work, 'restore.zip');
      await writeArchive(emu, 'dev', [...emu.state.workspace('dev').jobs.keys()].sort(), zip);
      const env = { PATH: process.env.PATH, ...connectionInfo(emu).env, DATAARTS_WORKSPACE: 'prod' };
      settleHeap();
      const r = await runMeasured(['jobs', 'import', zip, '--obs-path', 'obs://dataarts-staging/bench/', '--no-progress'], { env, cwd: work });
      const tasks = [...emu.state.tasks.values()].filter((t) => t.workspace === 'prod');
      const taskSeconds = tasks.reduce((s, t) => s + ((t.endTime ?? t.lastUpdate) - t.startTime), 0) / 1000;
      const bound = taskSeconds + Math.ceil(JOBS / 100) / 10;
      const { long, warnings } = readability(r.stderr, r.stdout);
      console.log(`restore ${JOBS} jobs into an empty workspace: exit ${r.code}, ${r.seconds.toFixed(2)} s = ${(r.seconds / bound).toFixed(2)}x the service's own time (${tasks.length} import tasks ${taskSeconds.toFixed(2)} s + read-back ${(Math.ceil(JOBS / 100) / 10).toFixed(1)} s = ${bound.toFixed(2)} s; target <= 1.3x); peak RSS ${r.peakRssMb.toFixed(1)} MB (target <= 250 MB); CPU ${r.cpuSeconds.toFixed(1)} s; load ${os.loadavg()[0].toFixed(1)}; ${long} lines over 200 chars; ${warnings.length} Node warnings`);
      if (r.code !== 0) console.log(r.stderr.split('\n').slice(-8).join('\n'));
      if (r.code !== 0 || long > 0 || warnings.length > 0) failed = true;
    } finally {
      await emu.close();
    }
  }
  if (ONLY !== 'restore') {
    const emu = await startEmulator({ port: 0, workspaces: ['dev', 'prod'], seedWorkspace: 'dev', seedJobs: RELEASE_JOBS, rateLimits: true, latencyMs: 20, seed: 2, importDelayMs: IMPORT_DELAY_MS });
    try {
      const dev = emu.state.workspace('dev');
      for (const c of dev.connections.values()) emu.state.addConnection('prod', c);
      for (const s of dev.scripts.values()) emu.state.putScript('prod', s.text);
      const names = [...dev.jobs.keys()].sort();
      for (const n of names) emu.state.putJob('prod', dev.jobs.get(n).text, { status: 'STOPPED' });
      // 100 changed (every 25th); 60 running, 2 of which changed.
      const changed = new Set(names.filter((_, i) => i % 25 === 0));
      const running = [...names.filter((n) => !changed.has(n)).slice(0, 58), ...[...changed].slice(0, 2)];
      for (const n of running) emu.state.setJobStatus('prod', n, dev.jobs.get(n).jobType === 'REAL_TIME' ? 'NORMAL' : 'SCHEDULING');
      const zip = path.join(work, 'release.zip');
      await writeArchive(emu, 'dev', names, zip, (n, t) => (changed.has(n) ? t.replace(/"description": "[^"]*"/, '"description": "changed in the release"') : t));
      const env = { PATH: process.env.PATH, ...connectionInfo(emu).env, DATAARTS_WORKSPACE: 'prod' };
      const common = [zip, '--obs-path', 'obs://dataarts-staging/bench/', '--duplicate-policy', 'overwrite', '--stop-running', '--no-progress'];
      emu.requests.length = 0;
      settleHeap();
      const dry = await runMeasured(['jobs', 'import', ...common, '--dry-run', '--plan-out', path.join(work, 'plan.json')], { env, cwd: work });
      // A 429 costs a back-off of 2 s or more: say so, or an outlier looks like the client's own time.
      const throttled = emu.requests.filter((q) => q.status === 429).length;
      const bound = Math.ceil(RELEASE_JOBS / 100) / 10;
      const d = readability(dry.stderr, dry.stdout);
      console.log(`change-only plan of ${RELEASE_JOBS} jobs (100 changed) against a full workspace: exit ${dry.code}, ${dry.seconds.toFixed(2)} s = ${(dry.seconds / bound).toFixed(2)}x its batch-export bound (${bound.toFixed(1)} s; target <= 1.3x); CPU ${dry.cpuSeconds.toFixed(1)} s, peak RSS ${dry.peakRssMb.toFixed(1)} MB; load ${os.loadavg()[0].toFixed(1)}; ${d.long} lines over 200 chars; ${dry.stdout.length} bytes of plan; ${throttled} throttled (429)`);
      if (ONLY === 'plan') {
        if (dry.code !== 0 || d.long > 0) failed = true;
      } else {
        emu.requests.length = 0;
        settleHeap();
        const rel = await runMeasured(['jobs', 'import', '--plan', path.join(work, 'plan.json'), '--json'], { env, cwd: work });
        const stops = emu.requests.filter((q) => q.method === 'POST' && q.path.endsWith('/stop')).length;
        const starts = emu.requests.filter((q) => q.method === 'POST' && q.path.endsWith('/start')).length;
        let counts = {};
        try {
          const doc = JSON.parse(rel.stdout.replace(/(:\s*)(-?\d{16,})(?=\s*[,}\]])/g, '$1"$2"'));
          for (const j of doc.jobs) counts[j.result] = (counts[j.result] ?? 0) + 1;
        } catch {
          counts = { unreadable: 1 };
        }
        const r = readability(rel.stderr, rel.stdout);
        console.log(`release of that plan: exit ${rel.code}, ${rel.seconds.toFixed(2)} s, ${stops} stopped / ${starts} started (2 expected), results ${JSON.stringify(counts)}, peak RSS ${rel.peakRssMb.toFixed(1)} MB; ${r.long} stderr lines over 200 chars; ${r.warnings.length} Node warnings`);
        if (rel.code !== 0) console.log(rel.stderr.split('\n').slice(-8).join('\n'));
        if (dry.code !== 0 || rel.code !== 0 || stops !== 2 || r.warnings.length > 0 || r.long > 0 || d.long > 0) failed = true;
      }
    } finally {
      await emu.close();
    }
  }
} finally {
  await fs.rm(work, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
