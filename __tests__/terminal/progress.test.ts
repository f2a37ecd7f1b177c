/**
 * Progress answers "how long?": done/total, rate, elapsed and ETA, redrawn at least once a second on
 * a terminal; without one, a line when a slow phase starts, at most one every 10 s, and one at the end.
 */
import { describe, expect, test } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { Ui, formatDuration, progressText } from '../../src/output/ui.js';

function captureUi(opts: { tty: boolean; now: () => number }) {
  const stderr = new PassThrough();
  const chunks: Buffer[] = [];
  stderr.on('data', (c: Buffer) => chunks.push(c));
  const ui = new Ui(
    { stdin: new PassThrough(), stdout: new PassThrough(), stderr, stdoutIsTTY: false, stderrIsTTY: opts.tty, stderrColumns: opts.tty ? 120 : 0 },
    { quiet: false, verbose: false, color: false, progress: true, ci: false, now: opts.now },
  );
  return { ui, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('progress text', () => {
  test('done/total, percent, rate, elapsed and ETA', () => {
    expect(progressText({ label: 'Exporting jobs', done: 1200, total: 3000, elapsedMs: 5000 })).toBe('Exporting jobs 1200/3000 (40%) · 240/s · 5s elapsed · ETA 8s');
    expect(progressText({ label: 'Listing jobs', done: 0, elapsedMs: 200 })).toBe('Listing jobs 0 · 0s elapsed');
    expect(progressText({ label: 'Importing', done: 3, total: 10, text: 'RUNNING', elapsedMs: 10_000 })).toBe('Importing 3/10 (30%) RUNNING · 0.3/s · 10s elapsed · ETA 23s');
  });

  test.each([[0, '0s'], [59_400, '59s'], [61_000, '1m01s'], [3_725_000, '1h02m']])('formatDuration(%d) = %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('without a terminal', () => {
  test('a phase over within a second prints nothing', async () => {
    let t = 0;
    const { ui, text } = captureUi({ tty: false, now: () => t });
    const p = await ui.progress('Listing jobs');
    t = 300;
    p.update(10, 10);
    p.stop();
    expect(text()).toBe('');
  });

  test('a long phase: start line, at most one every 10 s, end line', async () => {
    let t = 0;
    const { ui, text } = captureUi({ tty: false, now: () => t });
    const p = await ui.progress('Exporting jobs');
    for (let done = 100; done <= 3000; done += 100) {
      t += 1000; // 30 s in all, one update a second
      p.update(done, 3000);
    }
    p.stop('written');
    const lines = text().trim().split('\n');
    expect(lines[0]).toBe('Exporting jobs…');
    expect(lines.slice(1, -2)).toEqual([
      'Exporting jobs 1000/3000 (33%) · 100/s · 10s elapsed · ETA 20s',
      'Exporting jobs 2000/3000 (66%) · 100/s · 20s elapsed · ETA 10s',
      'Exporting jobs 3000/3000 (100%) · 100/s · 30s elapsed',
    ]);
    expect(lines.slice(-2)).toEqual(['Exporting jobs: 3000/3000 in 30s (100/s)', 'written']);
  });
});

describe('on a terminal', () => {
  test('the spinner shows rate and ETA and is redrawn every second even between updates', async () => {
    let t = 0;
    const { ui, text } = captureUi({ tty: true, now: () => t });
    const p = await ui.progress('Exporting jobs');
    t = 4000;
    p.update(1200, 3000);
    t = 9000; // no update: the elapsed time must still move on screen
    // The redraw comes from a one-second timer: wait for it (a loaded machine fires it late), not
    // for a fixed time.
    const redrawn = 'Exporting jobs 1200/3000 (40%) · 133/s · 9s elapsed · ETA 13s';
    for (let waited = 0; !text().includes(redrawn) && waited < 20_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    p.stop();
    const out = text();
    expect(out).toContain('Exporting jobs 1200/3000 (40%) · 300/s · 4s elapsed · ETA 6s');
    expect(out).toContain('Exporting jobs 1200/3000 (40%) · 133/s · 9s elapsed · ETA 13s');
    expect(out).toContain('Exporting jobs: 1200/3000 in 9s (133/s)');
  });
});
