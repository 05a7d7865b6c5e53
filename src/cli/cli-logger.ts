import { createLogger, type Logger } from '../observability/logger.js';

/**
 * The logger of a command that prints for people (`backfill`, `dlq`, `status`, `gaps`): its
 * warnings and errors as one plain line each, masked like every log line, to stderr or to
 * `write` (a Progress, so that a line does not break a redrawn display).
 */
export function cliLogger(secrets: Iterable<string>, write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Logger {
  return createLogger({ level: 'warn', secrets, destination: { write: (json: string) => write(humanLine(json)) } });
}

const WORDS: Readonly<Record<string, string>> = { warn: 'warning', error: 'error', fatal: 'error' };
const HIDDEN = new Set(['level', 'time', 'service', 'msg', 'component']);

/** `s4e-bridge: warning: Scans API request failed: retrying (attempt 1, delayMs 1000, url https://…)` */
export function humanLine(json: string): string {
  const line = JSON.parse(json) as Record<string, unknown>;
  const fields = Object.entries(line)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key} ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const level = WORDS[String(line.level)] ?? String(line.level);
  return `s4e-bridge: ${level}: ${String(line.msg ?? '')}${fields.length > 0 ? ` (${fields.join(', ')})` : ''}`;
}
