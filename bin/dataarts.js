#!/usr/bin/env node
// Thin shim: the only place that turns the CLI's result into the process exit code.
import { run } from '../dist/cli/main.js';

const code = await run(process.argv.slice(2));
process.exitCode = code;
