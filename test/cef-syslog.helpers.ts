import { pino, type Logger } from 'pino';
import { cefSyslogOptions, cefSyslogPlugin } from '../connectors/cef-syslog/index.js';
import type { Connector } from '../connectors/types.js';
import { MemoryState } from './helpers/memory-state.js';

/** A cef_syslog connector built the way the bridge builds one: raw config through the schema. */
export function createCefConnector(config: Record<string, unknown>, options: { logger?: Logger; maxBytes?: number } = {}): Connector {
  const batch = { ...cefSyslogPlugin.batchDefaults, ...(options.maxBytes !== undefined && { maxBytes: options.maxBytes }) };
  const logger = options.logger ?? pino({ level: 'silent' });
  return cefSyslogPlugin.create(cefSyslogOptions.parse({ host: '127.0.0.1', ...config }), { name: 'siem', logger, batch, state: new MemoryState() });
}

export interface ParsedCef {
  readonly vendor: string;
  readonly product: string;
  readonly version: string;
  readonly eventClassId: string;
  readonly name: string;
  readonly severity: string;
  readonly extensions: Record<string, string>;
}

/**
 * An independent reading of a CEF:0 line, strict where the spec is: header fields end at an
 * unescaped `|`; an extension key is the letters and digits before an unescaped `=`, after a
 * space; its value runs to the space before the next key. A stray `=` or a repeated key throws,
 * so an escaping mistake shows up as a parse error or an extra field.
 */
export function parseCef(line: string): ParsedCef {
  if (!line.startsWith('CEF:0|')) throw new SyntaxError(`not a CEF:0 line: ${line.slice(0, 40)}`);
  const header: string[] = [];
  let field = '';
  let i = 'CEF:0|'.length;
  for (; header.length < 6; i++) {
    if (i >= line.length) throw new SyntaxError('header ends early');
    const c = line[i]!;
    if (c === '\\') {
      const next = line[++i];
      if (next !== '\\' && next !== '|') throw new SyntaxError(`bad header escape \\${next}`);
      field += next;
    } else if (c === '|') {
      header.push(field);
      field = '';
    } else {
      field += c;
    }
  }
  const [vendor, product, version, eventClassId, name, severity] = header as [string, string, string, string, string, string];
  return { vendor, product, version, eventClassId, name, severity, extensions: parseExtension(line.slice(i)) };
}

function parseExtension(text: string): Record<string, string> {
  const equals: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '=') equals.push(i);
  }
  const keys = equals.map((at) => {
    const match = /(?:^| )([A-Za-z0-9]+)$/.exec(text.slice(0, at));
    if (!match) throw new SyntaxError(`stray '=' at ${at}`);
    return { key: match[1]!, start: at - match[1]!.length, at };
  });
  if (keys.length > 0 && keys[0]!.start !== 0) throw new SyntaxError('text before the first key');
  const extensions: Record<string, string> = {};
  keys.forEach(({ key, at }, k) => {
    if (Object.hasOwn(extensions, key)) throw new SyntaxError(`repeated key ${key}`);
    const end = k + 1 < keys.length ? keys[k + 1]!.start - 1 : text.length;
    extensions[key] = text.slice(at + 1, end).replace(/\\(.)/g, (_, c: string) => {
      const unescaped = { '\\': '\\', '=': '=', n: '\n', r: '\r' }[c];
      if (unescaped === undefined) throw new SyntaxError(`bad extension escape \\${c}`);
      return unescaped;
    });
  });
  return extensions;
}

export interface ParsedSyslog {
  readonly pri: number;
  /** RFC 3339 (5424) or `Mmm dd hh:mm:ss` (3164). */
  readonly timestamp: string;
  readonly hostname: string;
  readonly appName: string;
  /** RFC 5424 only. */
  readonly procId?: string;
  readonly msgId?: string;
  readonly msg: string;
}

const RFC5424 = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) - (.*)$/s;
const RFC3164 = /^<(\d{1,3})>([A-Z][a-z]{2} [ 1-3]\d \d\d:\d\d:\d\d) (\S+) ([!-9;-~]+): (.*)$/s;

export function parseSyslog(record: string): ParsedSyslog {
  const modern = RFC5424.exec(record);
  if (modern) {
    const [, pri, timestamp, hostname, appName, procId, msgId, msg] = modern as unknown as string[];
    return { pri: Number(pri), timestamp: timestamp!, hostname: hostname!, appName: appName!, procId: procId!, msgId: msgId!, msg: msg! };
  }
  const bsd = RFC3164.exec(record);
  if (bsd) {
    const [, pri, timestamp, hostname, appName, msg] = bsd as unknown as string[];
    return { pri: Number(pri), timestamp: timestamp!, hostname: hostname!, appName: appName!, msg: msg! };
  }
  throw new SyntaxError(`not a syslog record: ${record.slice(0, 60)}`);
}

/** The CEF fields of a received record. */
export function cefOf(record: string): ParsedCef {
  return parseCef(parseSyslog(record).msg);
}

/** `externalId` of each record: which events arrived (our test envelopes have no finding_id). */
export function externalIds(records: readonly string[]): string[] {
  return records.map((r) => cefOf(r).extensions.externalId!);
}
