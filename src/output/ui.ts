/**
 * Human chatter on stderr: notes, warnings, errors, the `--verbose` log and progress.
 * Never writes to stdout. Colour is decided from stderr (where this writes), not stdout: chalk's
 * default instance follows stdout, so `--json | jq` on a terminal would lose the warnings' colour.
 * Animation only on an interactive stderr (TTY with columns, not CI, not `--no-progress`).
 */
import type { ChalkInstance } from 'chalk';
import type { IO } from './io.js';

export interface UiOptions {
  quiet: boolean;
  verbose: boolean;
  /** False with --no-color (and NO_COLOR / TERM=dumb unless FORCE_COLOR says otherwise). */
  color: boolean;
  progress: boolean;
  /** True when the run is under CI (`CI` set): never animate. */
  ci: boolean;
  /** Chalk colour level for stderr (0-3); see colorLevel(). Default: 1 when `color` and stderr is a TTY. */
  colorLevel?: 0 | 1 | 2 | 3;
  /** Clock for progress rates (tests). */
  now?: () => number;
}

export interface Progress {
  /** Advance to `done` of `total` (total may change, e.g. once a listing is known). */
  update(done: number, total?: number, text?: string): void;
  /** Stop the spinner/bar and optionally print a final line. */
  stop(finalLine?: string): void;
}

interface Styles {
  yellow(text: string): string;
  red(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  bold(text: string): string;
}

const identity = (text: string) => text;
const PLAIN: Styles = { yellow: identity, red: identity, dim: identity, green: identity, bold: identity };

/**
 * The colour level for stderr. `--no-color` always wins; then FORCE_COLOR (0/false = off, 1-3 =
 * that level, empty/true = 1) as Node itself ranks it above NO_COLOR; then NO_COLOR and TERM=dumb;
 * then colour only when stderr is a terminal (256/truecolor from TERM/COLORTERM).
 */
export function colorLevel(io: Pick<IO, 'stderrIsTTY'>, env: Record<string, string | undefined>, flagAllows: boolean): 0 | 1 | 2 | 3 {
  if (!flagAllows) return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force.toLowerCase() === 'false') return 0;
    if (force === '2' || force === '3') return Number(force) as 2 | 3;
    return 1;
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (!io.stderrIsTTY || env.TERM === 'dumb') return 0;
  if (/^(truecolor|24bit)$/i.test(env.COLORTERM ?? '')) return 3;
  if (/256/.test(env.TERM ?? '')) return 2;
  return 1;
}

/**
 * chalk, once loaded. It is imported only when colour is wanted (start-up time: `--version` and
 * runs without a TTY never load it); text styled before it arrives stays plain.
 */
let chalkModule: typeof import('chalk') | undefined;

/** Load chalk (call before the first styled line where it matters, e.g. the final error). */
export async function loadChalk(): Promise<void> {
  chalkModule ??= await import('chalk');
}

/** Styles for a colour level (plain text at 0); chalk is loaded in the background if needed. */
export function stylesFor(level: 0 | 1 | 2 | 3): Styles {
  if (level === 0) return PLAIN;
  void loadChalk();
  let chalk: ChalkInstance | undefined;
  const style = (name: keyof Styles) => (text: string): string => {
    chalk ??= chalkModule ? new chalkModule.Chalk({ level }) : undefined;
    return chalk ? chalk[name](text) : text;
  };
  return { yellow: style('yellow'), red: style('red'), dim: style('dim'), green: style('green'), bold: style('bold') };
}

/** `12s`, `3m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function formatRate(perSecond: number): string {
  return perSecond >= 10 ? String(Math.round(perSecond)) : perSecond.toFixed(1);
}

export interface ProgressState {
  label: string;
  done: number;
  total?: number;
  text?: string;
  /** Milliseconds since the phase started. */
  elapsedMs: number;
}

/**
 * "Exporting jobs 1200/3000 (40%) · 243/s · 5s elapsed · ETA 8s": what it is doing, how far, how
 * fast, for how long, and how much longer (the ETA once a rate is known).
 */
export function progressText(p: ProgressState): string {
  const parts = [`${p.label} ${p.done}${p.total === undefined ? '' : `/${p.total}`}${p.total ? ` (${Math.floor((100 * p.done) / p.total)}%)` : ''}${p.text ? ` ${p.text}` : ''}`];
  const seconds = p.elapsedMs / 1000;
  const rate = seconds > 0 ? p.done / seconds : 0;
  if (p.done > 0 && seconds >= 0.5) parts.push(`${formatRate(rate)}/s`);
  parts.push(`${formatDuration(p.elapsedMs)} elapsed`);
  if (p.total !== undefined && p.done > 0 && p.done < p.total && rate > 0) parts.push(`ETA ${formatDuration(((p.total - p.done) / rate) * 1000)}`);
  return parts.join(' · ');
}

/** The end-of-phase line: "Exporting jobs: 3000/3000 in 12s (243/s)". */
export function progressDoneText(p: ProgressState): string {
  const seconds = p.elapsedMs / 1000;
  const rate = seconds > 0 && p.done > 0 ? ` (${formatRate(p.done / seconds)}/s)` : '';
  return `${p.label}: ${p.done}${p.total === undefined ? '' : `/${p.total}`} in ${formatDuration(p.elapsedMs)}${rate}`;
}

/** A TTY spinner redraws its text at least this often, so elapsed time and ETA stay current. */
const TTY_REFRESH_MS = 1000;
/** Without a TTY (cron, CI): at most one line this often between a phase's first and last line. */
export const PLAIN_EVERY_MS = 10_000;
/** Without a TTY, a phase shorter than this prints nothing (only phases that take time are worth a log line). */
const SLOW_PHASE_MS = 1000;

export class Ui {
  readonly io: IO;
  readonly options: UiOptions;
  readonly c: Styles;
  private readonly now: () => number;

  constructor(io: IO, options: UiOptions) {
    this.io = io;
    this.options = options;
    this.now = options.now ?? Date.now;
    const level = options.colorLevel ?? (options.color && io.stderrIsTTY ? 1 : 0);
    this.c = stylesFor(options.color ? level : 0);
  }

  get interactive(): boolean {
    return this.options.progress && !this.options.ci && this.io.stderrIsTTY && this.io.stderrColumns > 0 && !this.options.quiet;
  }

  /** A line of information (suppressed by --quiet). */
  info(message: string): void {
    if (!this.options.quiet) this.io.stderr.write(`${message}\n`);
  }

  warn(message: string): void {
    this.io.stderr.write(`${this.c.yellow('Warning:')} ${message}\n`);
  }

  error(message: string, hint?: string): void {
    this.io.stderr.write(`${this.c.red('Error:')} ${message}\n`);
    if (hint) this.io.stderr.write(`${hint}\n`);
  }

  /** The --verbose log. Callers must pass already-redacted text. */
  debug(message: string): void {
    if (this.options.verbose) this.io.stderr.write(`${this.c.dim(message)}\n`);
  }

  /**
   * Progress of a phase. On an interactive stderr: an ora spinner with done/total, rate, elapsed
   * and ETA, redrawn at least once a second. Otherwise plain lines: one when the phase starts, at
   * most one every `plainEveryMs` in between, and one when it ends (logs stay short); a phase over
   * within a second prints none of them.
   */
  async progress(label: string, plainEveryMs = PLAIN_EVERY_MS): Promise<Progress> {
    if (this.options.quiet || !this.options.progress) {
      return { update() {}, stop: (line) => { if (line) this.info(line); } };
    }
    const started = this.now();
    const state: ProgressState = { label, done: 0, elapsedMs: 0 };
    const snapshot = (): ProgressState => ({ ...state, elapsedMs: this.now() - started });
    const record = (done: number, total?: number, text?: string) => {
      state.done = done;
      if (total !== undefined) state.total = total;
      state.text = text;
    };
    if (this.interactive) {
      const { default: ora } = await import('ora');
      const spinner = ora({ text: label, stream: this.io.stderr, isEnabled: true, discardStdin: false }).start();
      const redraw = () => {
        spinner.text = progressText(snapshot());
      };
      const timer = setInterval(redraw, TTY_REFRESH_MS);
      timer.unref();
      let stopped = false;
      return {
        update: (done, total, text) => {
          record(done, total, text);
          redraw();
        },
        stop: (line) => {
          if (stopped) return;
          stopped = true;
          clearInterval(timer);
          spinner.stop();
          if (state.done > 0) this.info(progressDoneText(snapshot()));
          if (line) this.info(line);
        },
      };
    }
    // A phase that ends within a second says nothing; a longer one gets its first line then.
    let announced = false;
    let stopped = false;
    const announce = () => {
      if (announced || stopped) return;
      announced = true;
      this.info(`${label}…`);
    };
    const startTimer = setTimeout(announce, SLOW_PHASE_MS);
    startTimer.unref();
    let last = started;
    return {
      update: (done, total, text) => {
        record(done, total, text);
        const now = this.now();
        if (now - started >= SLOW_PHASE_MS) announce();
        if (now - last < plainEveryMs) return;
        last = now;
        this.info(progressText(snapshot()));
      },
      stop: (line) => {
        if (stopped) return;
        clearTimeout(startTimer);
        if (this.now() - started >= SLOW_PHASE_MS) announce();
        stopped = true;
        if (announced) this.info(progressDoneText(snapshot()));
        if (line) this.info(line);
      },
    };
  }
}
