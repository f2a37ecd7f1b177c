#!/usr/bin/env node
// `npm run bench`: runs every bench/*.js file except this one, one after the other, passing their
// figures (stdout) through. Drop a new file in bench/ and it is picked up. Exit 1 if any failed.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const self = path.basename(fileURLToPath(import.meta.url));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.js') && f !== self)
  .sort();
let failed = 0;
for (const file of files) {
  process.stderr.write(`== bench/${file}\n`);
  const r = spawnSync(process.execPath, [path.join(here, file), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`bench/${file} failed (exit ${r.status ?? r.signal})\n`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
