/**
 * V8 settings for a process that is one dataarts command (never for in-process callers such as
 * tests: the flags are process-wide).
 *
 * `--liftoff-only`: undici parses HTTP with llhttp compiled to WebAssembly, and compiles it at the
 * first connection of each process. On Node 20 (V8 11.3) that compile went through the optimising
 * tier and cost ~0.25 s of wall time and ~0.2 s of CPU in every networked command: `jobs list` of
 * 20 jobs took 0.69 s, 0.41 s with the baseline compiler only (Node 22: 0.48 → 0.39 CPU-s; Node
 * 24 already compiles lazily and shows no difference). Baseline code parses more slowly, but HTTP
 * parsing is a sliver of a command's work even at 10,000 jobs (see the README's Benchmarks).
 * Nothing else in dataarts runs WebAssembly. Set before the first request, as llhttp is compiled
 * then.
 */
import v8 from 'node:v8';

export function tuneForOneCommand(): void {
  v8.setFlagsFromString('--liftoff-only');
}
