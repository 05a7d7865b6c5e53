import { pino, type Logger, type DestinationStream } from 'pino';
import { createRedactor, type Redactor } from './redact.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  readonly level?: string;
  /** Values masked in every line, whatever field or message they appear in. */
  readonly secrets?: Iterable<string>;
  /** Masks every line instead of one made from `secrets` (a SecretMask, to learn secrets later). */
  readonly redact?: Redactor;
  /** `pretty` for humans at a terminal; JSON lines otherwise. */
  readonly format?: 'json' | 'pretty';
  /** Where lines go; stdout by default (tests pass a collector). */
  readonly destination?: DestinationStream;
}

/**
 * The one way the bridge makes a logger. Masking runs on the final serialized line
 * (`hooks.streamWrite`), so no field, message or error cause can carry a secret out.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const redact = options.redact ?? createRedactor(options.secrets ?? []);
  const destination =
    options.destination ??
    (options.format === 'pretty'
      ? pino.transport({ target: 'pino-pretty', options: { destination: 1, translateTime: 'SYS:HH:MM:ss.l' } })
      : pino.destination({ dest: 1, sync: false }));
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 's4e-bridge' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks: { streamWrite: redact },
    },
    destination,
  );
}

/** A logger that writes nothing, for library use and tests that do not look at logs. */
export const silentLogger: Logger = pino({ level: 'silent' });
