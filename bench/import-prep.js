#!/usr/bin/env node
/**
 * Benchmark (issue 4 item 10): "prepare an archive for import" on a ~10 MB, 5,000-job archive
 * (each job with one script), against a plain unzip + zip of the same archive with the same
 * libraries (yauzl, yazl).
 *
 *   prepare  = readArchive (every hostile-archive check, UTF-8 + JSON parse of every file, layout
 *              and name checks) + rewrite every expressionTimeZone + repack with
 *              DeterministicZipWriter (sorted, fixed time/mode, sha256 of every entry and the file)
 *   baseline = yauzl: read every entry into memory; yazl: addBuffer every entry, write the file
 *
 * Targets: prepare ≤ 1.5 × baseline, and < 1 s. Imports from dist/: run `npm run build` first.
 * Usage: node bench/import-prep.js [runs=5]   (KEEP_INPUT=DIR only writes the input archive to DIR, for profiling)
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const requireCjs = createRequire(import.meta.url);
const yauzl = requireCjs('yauzl');
const yazl = requireCjs('yazl');

async function loadDist() {
  try {
    const [model, timezone, zipWrite] = await Promise.all([
      import(path.join(root, 'dist/archive/model.js')),
      import(path.join(root, 'dist/archive/timezone.js')),
      import(path.join(root, 'dist/archive/zip-write.js')),
    ]);
    return { ...model, ...timezone, ...zipWrite };
  } catch (err) {
    console.error(`cannot load dist/ (run \`npm run build\` first): ${err.message}`);
    process.exit(1);
  }
}

const JOBS = 5000;

function jobJson(i) {
  const name = `job_${String(i).padStart(5, '0')}`;
  return {
    name,
    text: JSON.stringify({
      name,
      nodes: [{
        name: 'sql', type: 'HiveSQL', location: { x: '120', y: '80' }, preNodeName: [],
        properties: [{ name: 'scriptName', value: `script_${i}` }, { name: 'database', value: 'ods' }, { name: 'connectionName', value: 'hive_conn' }],
        pollingInterval: 20, maxExecutionTime: 360, retryTimes: 0, retryInterval: 120, failPolicy: 'FAIL',
        cronTrigger: i % 10 === 0 ? { startTime: '2024-01-01T00:00:00+08', expression: '0 0 * * * ?', expressionTimeZone: 'Asia/Shanghai', period: '1 hours' } : undefined,
      }],
      schedule: { type: 'CRON', cron: { startTime: '2024-01-01T00:00:00+08', expression: `0 ${i % 60} ${i % 24} * * ?`, expressionTimeZone: 'GMT+8', dependPrePeriod: false, concurrent: 1 } },
      params: [{ name: 'bizdate', value: '${yyyyMMdd}', type: 'variable' }],
      directory: `/bench/team_${i % 50}/`,
      processType: 'BATCH',
      basicConfig: { owner: 'bench_user', priority: 0, executeUser: '', instanceTimeout: 60, customFields: {}, tags: ['bench'] },
      id: 1234567890123456789n.toString(),
    }, null, 2),
  };
}

function scriptJson(i) {
  const name = `script_${i}`;
  const content = `-- job ${i}\nINSERT OVERWRITE TABLE dws.t_${i} PARTITION (dt='\${bizdate}')\nSELECT id, name, amount_${i % 97}, ts FROM ods.src_${i % 313} WHERE dt='\${bizdate}' AND amount_${i % 97} > ${i};\n`;
  const description = `Loads dws.t_${i} from ods.src_${i % 313} for the business date; owner team ${i % 50}. `.repeat(5);
  return { name, text: JSON.stringify({ name, type: 'HiveSQL', content, connectionName: 'hive_conn', database: 'dws', directory: '/bench/', description }, null, 2) };
}

async function buildInput(dir) {
  const zip = new yazl.ZipFile();
  let unpacked = 0;
  for (let i = 0; i < JOBS; i += 1) {
    const job = jobJson(i);
    const script = scriptJson(i);
    const jobData = Buffer.from(job.text);
    const scriptData = Buffer.from(script.text);
    unpacked += jobData.length + scriptData.length;
    zip.addBuffer(jobData, `jobs/${job.name}/${job.name}.job`, { mtime: new Date(0) });
    zip.addBuffer(scriptData, `jobs/${job.name}/${script.name}.script`, { mtime: new Date(0) });
  }
  const file = path.join(dir, 'input.zip');
  zip.end();
  await new Promise((resolve, reject) => zip.outputStream.pipe(createWriteStream(file)).on('close', resolve).on('error', reject));
  return { file, unpacked, zipped: (await stat(file)).size };
}

/** Baseline: yauzl reads every entry into memory, yazl writes them all back. */
async function plainUnzipZip(input, output) {
  const entries = [];
  const zipfile = await yauzl.openPromise(input, { lazyEntries: true });
  for await (const entry of zipfile.eachEntry()) {
    const stream = await zipfile.openReadStreamPromise(entry);
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    entries.push([entry.fileName, Buffer.concat(chunks)]);
  }
  zipfile.close();
  const out = new yazl.ZipFile();
  for (const [name, data] of entries) out.addBuffer(data, name);
  out.end();
  await new Promise((resolve, reject) => out.outputStream.pipe(createWriteStream(output)).on('close', resolve).on('error', reject));
}

/** Prepare for import: every check, the time-zone rewrite, a deterministic repack. */
async function prepareForImport(lib, input, output) {
  const model = await lib.readArchive(input);
  const rewrite = lib.expressionTimeZoneRewriter('Europe/Berlin');
  const data = new Map(model.entries.map((e) => [e.name, undefined]));
  for (const job of model.jobs) {
    const { text, changed } = rewrite(job.data.toString('utf8'));
    data.set(job.entry, changed > 0 ? Buffer.from(text, 'utf8') : job.data);
  }
  for (const job of model.jobs) for (const companion of job.companions) data.set(companion, undefined);
  // Companion bytes come from the model's scripts/resources (deduplicated by name).
  const byEntry = new Map([...model.scripts, ...model.resources].map((f) => [f.entry, f.data]));
  const writer = lib.DeterministicZipWriter.open(output);
  for (const name of [...data.keys()].sort(lib.compareEntryNames)) {
    writer.add(name, data.get(name) ?? byEntry.get(name));
  }
  const written = await writer.finish();
  return { model, written };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  const runs = Number(process.argv[2] ?? 5);
  const lib = await loadDist();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dataarts-bench-import-prep-'));
  try {
    const input = await buildInput(dir);
    // Sanity + warm-up (JIT, zlib thread pool), not timed.
    const check = await prepareForImport(lib, input.file, path.join(dir, 'warm-prep.zip'));
    await plainUnzipZip(input.file, path.join(dir, 'warm-plain.zip'));
    if (check.model.jobs.length !== JOBS) throw new Error(`expected ${JOBS} jobs, read ${check.model.jobs.length}`);
    const prep = [];
    const plain = [];
    for (let r = 0; r < runs; r += 1) {
      let t = performance.now();
      await plainUnzipZip(input.file, path.join(dir, `plain-${r}.zip`));
      plain.push(performance.now() - t);
      t = performance.now();
      await prepareForImport(lib, input.file, path.join(dir, `prep-${r}.zip`));
      prep.push(performance.now() - t);
    }
    const p = median(prep);
    const b = median(plain);
    const mb = (n) => (n / 1024 / 1024).toFixed(2);
    console.log(`import-prep: ${JOBS} jobs + ${JOBS} scripts, ${mb(input.unpacked)} MiB unpacked, ${mb(input.zipped)} MiB zipped; ${runs} runs, medians`);
    console.log(`  node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown cpu'})`);
    console.log(`  baseline (yauzl read all + yazl write all): ${b.toFixed(0)} ms`);
    console.log(`  prepare  (readArchive + tz rewrite + deterministic repack): ${p.toFixed(0)} ms`);
    console.log(`  ratio ${(p / b).toFixed(2)}x (target <= 1.5x): ${p / b <= 1.5 ? 'OK' : 'OVER'}; absolute ${p.toFixed(0)} ms (target < 1000 ms): ${p < 1000 ? 'OK' : 'OVER'}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.env.KEEP_INPUT) { const { file } = await buildInput(process.env.KEEP_INPUT); console.log(file); } else await main();
