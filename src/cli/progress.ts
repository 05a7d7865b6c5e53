/**
 * Live progress of a long CLI operation (demo, dlq replay, backfill): on a terminal each
 * update redraws the previous one in place; otherwise (a pipe, a log file, CI) each update is
 * written as plain lines, so nothing depends on escape codes.
 */
export class Progress {
  /** Whether updates redraw in place; callers may show more, or update more often, when true. */
  readonly tty: boolean;
  readonly #out: NodeJS.WritableStream & { readonly isTTY?: boolean; readonly columns?: number };
  #lines = 0;

  constructor(out: NodeJS.WritableStream & { readonly isTTY?: boolean; readonly columns?: number } = process.stdout) {
    this.#out = out;
    this.tty = out.isTTY === true;
  }

  /** Shows `text` (one or more lines) in place of the previous update on a terminal. */
  update(text: string): void {
    if (!this.tty) {
      this.#out.write(`${text}\n`);
      return;
    }
    // A line wider than the terminal wraps and would throw the count of lines to move up off.
    const width = this.#out.columns ?? Number.POSITIVE_INFINITY;
    const lines = text.split('\n').map((line) => (line.length < width ? line : line.slice(0, width - 1)));
    const up = this.#lines > 0 ? `\x1b[${this.#lines}A\x1b[J` : '';
    this.#out.write(`${up}${lines.join('\n')}\n`);
    this.#lines = lines.length;
  }

  /**
   * Writes `text` below the progress, which then starts afresh (the next update does not
   * overwrite it); `to` another stream (stderr), which a terminal shows in the same place.
   */
  log(text: string, to: NodeJS.WritableStream = this.#out): void {
    to.write(`${text}\n`);
    this.#lines = 0;
  }
}
