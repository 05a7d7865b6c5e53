import { InvalidArgumentError } from 'commander';
import { listen } from '../config/schema.js';
import { parseDuration } from '../config/units.js';

/** Commander argument parsers: a bad value is a usage error naming the flag's expectation. */
export function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number.');
  return n;
}

export function durationMs(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError('expected a duration like 500ms, 30s, 5m.');
  return ms;
}

/** `host:port` for the operations endpoint, as `server.listen` takes it. */
export function listenAddress(value: string): { host: string; port: number } {
  const parsed = listen.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues[0]!.message);
  return parsed.data;
}
