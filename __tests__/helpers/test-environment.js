/**
 * jest's node environment, plus one change to how a worker process ends.
 *
 * A worker that ran many suites holds 300–500 MB (modules of ~20 vm contexts, emulator states).
 * Ending normally, Node then frees its whole environment and heap before the process goes: about
 * half a second here, which is jest's 500 ms limit for a graceful exit. jest then kills the worker
 * and prints "A worker process has failed to exit gracefully … tests leaking", though nothing
 * leaked: `process.getActiveResourcesInfo()` at that moment lists only the worker's stdio and IPC
 * pipes. Exiting straight from the 'exit' event (Node's process.exit() inside an 'exit' listener
 * goes directly to the system exit with the same code) skips that teardown: the worker ends in
 * 80–190 ms. Every result has already been sent to jest by then, and the event only fires once
 * the worker's event loop is empty, so a real leak (a timer, a server, a child) still keeps the
 * worker alive and still gets jest's message.
 *
 * The module is loaded once per worker process, outside the suites' vm contexts, so the listener
 * is added once.
 */
import { TestEnvironment } from 'jest-environment-node';

process.once('exit', (code) => process.exit(code));

export default TestEnvironment;
