import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Progress } from '../src/cli/progress.js';

/** A stdout stand-in that records what is written. */
function output(tty: boolean, columns?: number): Writable & { isTTY: boolean; columns?: number; text: string } {
  const out = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        out.text += chunk.toString();
        done();
      },
    }),
    { isTTY: tty, columns, text: '' },
  );
  return out;
}

describe('Progress', () => {
  it('writes each update as plain lines when not on a terminal', () => {
    const out = output(false);
    const progress = new Progress(out);
    progress.update('10 of 100\n  a: 10');
    progress.update('20 of 100\n  a: 20');
    expect(progress.tty).toBe(false);
    expect(out.text).toBe('10 of 100\n  a: 10\n20 of 100\n  a: 20\n');
  });

  it('redraws in place on a terminal: up over the previous lines, cleared, cut to the width', () => {
    const out = output(true, 10);
    const progress = new Progress(out);
    progress.update('10 of 100\nlonger than ten');
    progress.update('20 of 100');
    progress.log('done');
    progress.update('again');
    expect(out.text).toBe('10 of 100\nlonger th\n\x1b[2A\x1b[J20 of 100\ndone\nagain\n');
  });
});
