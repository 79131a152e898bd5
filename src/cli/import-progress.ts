/** A terminal gets a bar redrawn in place at most this often. */
const REDRAW_MS = 100;
const BAR_WIDTH = 30;
/** Elsewhere (a log, a CI run) one line each time another tenth is done. */
const LINE_EVERY_PERCENT = 10;

export interface ProgressOutput {
  /** Writes one line. */
  line(text: string): void;
  /** Given when the output is a terminal: writes the text as it is, so that `\r` redraws the line. */
  redraw?: (text: string) => void;
}

/** Lines done of `total`, with the rate so far, on stderr. */
export class ImportProgress {
  private lastDrawn = -Infinity;
  private lastStep = 0;
  private readonly started: number;

  constructor(
    private readonly total: number,
    private readonly output: ProgressOutput,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  update(done: number): void {
    const { redraw } = this.output;
    if (redraw) {
      const now = this.now();
      if (done < this.total && now - this.lastDrawn < REDRAW_MS) return;
      this.lastDrawn = now;
      const filled = Math.round((done / this.total) * BAR_WIDTH);
      redraw(`\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${this.describe(done)}`);
      return;
    }
    const step = Math.floor((done * 100) / this.total / LINE_EVERY_PERCENT);
    if (step <= this.lastStep) return;
    this.lastStep = step;
    this.output.line(`sent ${this.describe(done)}`);
  }

  /** Ends the bar's line so that what follows starts on its own. */
  finish(): void {
    if (this.output.redraw && this.lastDrawn > -Infinity) this.output.redraw('\n');
  }

  private describe(done: number): string {
    const seconds = (this.now() - this.started) / 1000;
    const rate = seconds > 0 ? Math.round(done / seconds) : 0;
    return `${done}/${this.total} lines (${Math.floor((done * 100) / this.total)}%), ${rate} lines/s`;
  }
}
