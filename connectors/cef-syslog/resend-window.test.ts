import { describe, expect, it } from 'vitest';
import { ResendWindow } from './resend-window.js';

function windowAt(windowMs: number, maxBytes?: number) {
  const clock = { now: 1_000_000 };
  return { clock, window: new ResendWindow(windowMs, () => clock.now, maxBytes) };
}

describe('resend window', () => {
  it('on a lost connection, makes pending exactly what was written within the window before it, in order', () => {
    const { clock, window } = windowAt(5_000);
    window.written(['a\n', 'b\n']);
    clock.now += 4_000;
    window.written(['c\n']);
    clock.now += 2_000; // a and b are now 6 s old
    window.written(['d\n']);
    expect(window.lost()).toEqual({ records: 2, truncated: false });
    expect(window.pending).toEqual(['c\n', 'd\n']);
  });

  it('keeps pending across losses until written again, and then counts them as written anew', () => {
    const { clock, window } = windowAt(5_000);
    window.written(['a\n', 'b\n', 'c\n']);
    window.lost();
    window.resent(2);
    expect(window.pending).toEqual(['c\n']);
    clock.now += 1_000;
    window.written(['d\n']);
    // Lost again before c went out: the resent a and b, then c, then d.
    window.lost();
    expect(window.pending).toEqual(['c\n', 'a\n', 'b\n', 'd\n']);
  });

  it('keeps nothing with a window of 0', () => {
    const { window } = windowAt(0);
    window.written(['a\n']);
    expect(window.lost()).toEqual({ records: 0, truncated: false });
    expect(window.pending).toEqual([]);
  });

  it('holds at most maxBytes, oldest dropped first, and says so when that cut the window short', () => {
    const { window } = windowAt(5_000, 10);
    window.written(['aaaa\n', 'bbbb\n', 'cccc\n']);
    expect(window.lost()).toEqual({ records: 2, truncated: true });
    expect(window.pending).toEqual(['bbbb\n', 'cccc\n']);
  });

  it('stays correct over many writes (its queue compacts)', () => {
    const { clock, window } = windowAt(1_000);
    for (let i = 0; i < 5_000; i++) {
      window.written([`${i}\n`]);
      clock.now += 1;
    }
    expect(window.lost().records).toBe(1_000);
    expect(window.pending[0]).toBe('4000\n');
    expect(window.pending.at(-1)).toBe('4999\n');
  });
});
