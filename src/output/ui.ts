/**
 * Human chatter on stderr: notes, warnings, errors, the `--verbose` log and progress.
 * Never writes to stdout. Colour only when allowed (`--no-color`, `NO_COLOR`, non-TTY turn it off);
 * animation only on an interactive stderr (TTY with columns, not CI, not `--no-progress`).
 */
import type { IO } from './io.js';

export interface UiOptions {
  quiet: boolean;
  verbose: boolean;
  color: boolean;
  progress: boolean;
  /** True when the run is under CI (`CI` set): never animate. */
  ci: boolean;
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

export class Ui {
  readonly io: IO;
  readonly options: UiOptions;
  /** Styles; plain until chalk has loaded (it loads only when colour is wanted: start-up time). */
  c: Styles = PLAIN;

  constructor(io: IO, options: UiOptions) {
    this.io = io;
    this.options = options;
    if (options.color && io.stderrIsTTY) {
      void import('chalk').then(({ default: chalk }) => {
        this.c = chalk;
      });
    }
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
   * Progress of a long step: an ora spinner with "done/total" on an interactive stderr, otherwise
   * a plain line at most every `plainEveryMs` and one at the end (so logs stay short).
   */
  async progress(label: string, plainEveryMs = 2000): Promise<Progress> {
    if (this.options.quiet || !this.options.progress) {
      return { update() {}, stop: (line) => { if (line) this.info(line); } };
    }
    if (this.interactive) {
      const { default: ora } = await import('ora');
      const spinner = ora({ text: label, stream: this.io.stderr, isEnabled: true, discardStdin: false }).start();
      return {
        update: (done, total, text) => {
          spinner.text = `${label} ${done}${total === undefined ? '' : `/${total}`}${text ? ` ${text}` : ''}`;
        },
        stop: (line) => {
          spinner.stop();
          if (line) this.info(line);
        },
      };
    }
    let last = 0;
    return {
      update: (done, total, text) => {
        const now = Date.now();
        if (now - last < plainEveryMs && done !== total) return;
        last = now;
        this.info(`${label} ${done}${total === undefined ? '' : `/${total}`}${text ? ` ${text}` : ''}`);
      },
      stop: (line) => {
        if (line) this.info(line);
      },
    };
  }
}
