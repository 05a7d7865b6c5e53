import { z } from 'zod';
import { duration } from '../../src/config/units.js';
import { defaultHostName } from '../../src/config/primitives.js';
import type { Severity } from '../../src/pipeline/severity.js';
import { FACILITIES } from './syslog.js';

/** One value per platform severity, plus `unknown` for an absent severity or one outside the scale. */
export type SeverityLevels = Readonly<Record<Severity | 'unknown', number>>;

function severityLevels(max: number, defaults: SeverityLevels) {
  const level = z.int().min(0).max(max);
  return z
    .object({
      critical: level.default(defaults.critical),
      high: level.default(defaults.high),
      medium: level.default(defaults.medium),
      low: level.default(defaults.low),
      info: level.default(defaults.info),
      unknown: level.default(defaults.unknown),
    })
    .strict()
    .prefault({});
}

/** Printable US-ASCII without spaces: what RFC 5424 allows in HOSTNAME and APP-NAME (and RFC 3164 in HOST and TAG). */
const printableAscii = (max: number) => z.string().regex(/^[\x21-\x7e]+$/, 'expected printable ASCII without spaces').max(max);
/** A CEF header value set in the config; the spec's lengths (vendor and product 63, version 31). */
const headerValue = (max: number) => z.string().min(1).max(max);

const facilityNames = Object.keys(FACILITIES) as [keyof typeof FACILITIES, ...(keyof typeof FACILITIES)[]];

/** The `cef_syslog` connector's own keys (beside the shared `type`, `batch`, `delivery`). */
export const cefSyslogOptions = z
  .object({
    host: z.string().min(1),
    /** @default 514 for udp and tcp, 6514 for tls (RFC 5425), 2514 for relp (rsyslog's examples) */
    port: z.int().min(1).max(65_535).optional(),
    /**
     * `udp` cannot confirm anything (warned at start); `tcp` and `tls` confirm the write only
     * (see resend_window); `relp` (rsyslog's imrelp) acknowledges each record. @default 'tcp'
     */
    transport: z.enum(['udp', 'tcp', 'tls', 'relp']).default('tcp'),
    /**
     * tcp and tls: on an unexpected close, the records written this long before it are sent
     * again on the next connection (at least once); 0 turns it off. @default 5s
     */
    resend_window: duration.optional(),
    /** @default 'rfc5424' */
    format: z.enum(['rfc5424', 'rfc3164']).default('rfc5424'),
    /**
     * Stream framing (RFC 6587): `octet_counting` (`LEN SP MSG`) or `lf` (one record per line).
     * TLS requires octet counting (RFC 5425). Not for udp: one record per datagram.
     * @default 'octet_counting' for tls, 'lf' for tcp (what most receivers expect on 514/tcp)
     */
    framing: z.enum(['octet_counting', 'lf']).optional(),
    /** A name (`local0`, `auth`…) or a number 0–23. @default 'local0' (16) */
    facility: z
      .union([z.enum(facilityNames), z.int().min(0).max(23)])
      .transform((f) => (typeof f === 'number' ? f : FACILITIES[f]))
      .default(FACILITIES.local0),
    /** RFC 5424 APP-NAME, RFC 3164 TAG (whose limit, 32, applies to both). @default 's4e-bridge' */
    app_name: printableAscii(32).default('s4e-bridge'),
    /** @default os.hostname() */
    hostname: defaultHostName(printableAscii(255)),
    cef: z
      .object({
        /** @default 'S4E' */
        vendor: headerValue(63).default('S4E'),
        /** @default 'S4E Platform' */
        product: headerValue(63).default('S4E Platform'),
        /** @default '1.0' */
        version: headerValue(31).default('1.0'),
        /** CEF severity 0–10 per platform severity. @default critical 10, high 8, medium 5, low 3, info 1, unknown 5 */
        severity_map: severityLevels(10, { critical: 10, high: 8, medium: 5, low: 3, info: 1, unknown: 5 }),
      })
      .strict()
      .prefault({}),
    /** Syslog severity 0–7 per platform severity. @default critical 2, high 3, medium 4, low 5, info 6, unknown 5 (notice) */
    syslog_severity_map: severityLevels(7, { critical: 2, high: 3, medium: 4, low: 5, info: 6, unknown: 5 }),
    tls: z
      .object({
        /** PEM file of the CA(s) that signed the receiver's certificate, trusted instead of Node's built-in roots. */
        ca_file: z.string().min(1).optional(),
        /** PEM client certificate, for receivers that require one (with `key_file`). */
        cert_file: z.string().min(1).optional(),
        /** PEM private key of `cert_file`. */
        key_file: z.string().min(1).optional(),
        /** Name sent as SNI and checked against the certificate. @default host (when it is not an IP address) */
        server_name: z.string().min(1).optional(),
        /** Accept any certificate (testing only; warned at start). @default false */
        insecure_skip_verify: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((options, context) => {
    const issue = (path: (string | number)[], message: string) => context.addIssue({ code: 'custom', path, message });
    if (options.transport === 'udp' && options.framing) issue(['framing'], 'framing applies to tcp and tls; udp sends one record per datagram');
    if (options.transport === 'relp' && options.framing) issue(['framing'], 'framing applies to tcp and tls; relp frames each record itself');
    if ((options.transport === 'udp' || options.transport === 'relp') && options.resend_window !== undefined) {
      issue(['resend_window'], `resend_window applies to tcp and tls; ${options.transport === 'udp' ? 'udp confirms nothing to resend from' : 'relp has every record acknowledged'}`);
    }
    if (options.transport === 'tls' && options.framing === 'lf') issue(['framing'], 'tls requires octet_counting framing (RFC 5425)');
    const { ca_file, cert_file, key_file, server_name, insecure_skip_verify } = options.tls;
    if (options.transport !== 'tls' && (ca_file || cert_file || key_file || server_name || insecure_skip_verify)) {
      issue(['tls'], 'tls settings apply only to transport: tls');
    }
    if (Boolean(cert_file) !== Boolean(key_file)) issue(['tls'], 'cert_file and key_file go together');
  })
  .transform(({ port, framing, resend_window, ...options }) => {
    const stream = options.transport === 'tcp' || options.transport === 'tls';
    return {
      ...options,
      port: port ?? DEFAULT_PORTS[options.transport],
      framing: stream ? (framing ?? (options.transport === 'tls' ? 'octet_counting' : 'lf')) : undefined,
      resendWindowMs: stream ? (resend_window ?? DEFAULT_RESEND_WINDOW_MS) : undefined,
    };
  });

const DEFAULT_PORTS = { udp: 514, tcp: 514, tls: 6514, relp: 2514 } as const;
const DEFAULT_RESEND_WINDOW_MS = 5_000;

export type CefSyslogOptions = z.output<typeof cefSyslogOptions>;
