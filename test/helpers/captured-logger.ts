import { Writable } from 'node:stream';
import { createLogger } from '../../src/observability/logger.js';

/** A logger whose JSON lines land in `lines`. */
export function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, logger: createLogger({ destination }) };
}
