import { readFileSync } from 'node:fs';
import type { BridgeConfig } from '../../config/load.js';
import type { RouteConfig } from '../../config/rules.js';
import { silentLogger } from '../../observability/logger.js';
import { decodeEvent, type WireEvent } from '../../pipeline/decode.js';
import { digestEnvelope } from '../../pipeline/digest.js';
import type { Envelope } from '../../pipeline/envelope.js';
import { FindingMemory } from '../../pipeline/lifecycle.js';
import { deliveredBy, Pipeline, targetsOf } from '../../pipeline/pipeline.js';
import { describeRoute, type RouteVerdict } from '../../pipeline/router.js';
import { isSeverity } from '../../pipeline/severity.js';
import { EXIT } from '../exit.js';
import { loadOffline, NO_STATE } from '../offline.js';

interface TestRouteOptions {
  config: string;
  /** A file, or `-` for standard input: one event, or several in order (SSE blocks, or a JSON array). */
  event: string;
  json?: boolean;
  /** ISO time to evaluate at (silences); now by default. */
  at?: string;
}

/** What `test-route` found, as `--json` prints it. */
export interface RouteReport {
  /** `enriched`: a status change, told from its finding as the events before it left it (true), or of a finding they never named (false). */
  readonly event: { readonly id: string; readonly type: string; readonly enriched?: boolean };
  readonly severity: {
    readonly value?: string;
    readonly original?: string;
    readonly rulesFired: readonly string[];
    /** False for a value outside the scale: it meets no threshold. */
    readonly known: boolean;
  };
  readonly routes: readonly {
    readonly name: string;
    readonly status: RouteVerdict['status'];
    /** The first part of `match` the event failed. */
    readonly failed?: string;
    readonly stoppedBy?: string;
    readonly does: string;
    /** The dedupe key this event renders (delivered once per window per key). */
    readonly dedupeKey?: string;
  }[];
  /**
   * What each connector the event reaches would be sent: `payload` null when the connector has no
   * preview. `via`: its routes, a digest, or `follows` (a status change going where its finding went).
   */
  readonly connectors: readonly { readonly name: string; readonly type: string; readonly via: 'event' | 'digest' | 'follows'; readonly payload: unknown }[];
}

/**
 * Shows what the rules make of each event, in order, and what each connector would send: a
 * status change after its finding.new is told and sent as the bridge would. Sends nothing.
 */
export async function testRouteCommand(options: TestRouteOptions): Promise<void> {
  const config = loadOffline(options.config);
  const at = options.at === undefined ? Date.now() : Date.parse(options.at);
  let wire: WireEvent[];
  try {
    if (Number.isNaN(at)) throw new Error(`--at ${options.at} is not an ISO-8601 time`);
    wire = parseEventInput(readFileSync(options.event === '-' ? 0 : options.event, 'utf8'), at);
  } catch (error) {
    console.error(`s4e-bridge test-route: ${(error as Error).message}`);
    process.exitCode = EXIT.usage;
    return;
  }
  const findings = new FindingMemory();
  const reports: RouteReport[] = [];
  for (const event of wire) {
    const decoded = decodeEvent(event, 'test-route');
    if (!decoded.ok) {
      console.error(`s4e-bridge test-route: the bridge would set event ${event.id} aside as malformed: ${decoded.malformed.reason}`);
      process.exitCode = EXIT.failure;
      return;
    }
    reports.push(await testRoute(config, decoded.envelope, at, findings));
  }
  if (options.json) console.log(JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2));
  else console.log(reports.map(formatReport).join('\n\n'));
}

/** What `run` would do with one event; `findings` holds what the events before it left (and takes what this one leaves). */
export async function testRoute(config: BridgeConfig, decoded: Envelope, now: number, findings = new FindingMemory()): Promise<RouteReport> {
  const prepared = findings.prepare(decoded);
  const evaluation = new Pipeline(config).evaluate(prepared, now);
  const { envelope, verdicts } = evaluation;
  const targets = targetsOf(evaluation);
  const follows = findings.followers(envelope, config.routes, new Set(config.connectors.map((c) => c.name))).filter((name) => !targets.connectors.includes(name));
  findings.record(prepared, envelope, deliveredBy(evaluation));
  const digestRoutes = config.routes.filter((r) => targets.digests.includes(r.name));
  const reached = [
    ...targets.connectors.map((name) => ({ name, via: 'event' as const, envelope })),
    ...follows.map((name) => ({ name, via: 'follows' as const, envelope })),
    ...digestRoutes.flatMap((r) => r.to.map((name) => ({ name, via: 'digest' as const, envelope: digestEnvelope(r.name, [{ ref: 'preview', envelope }], now) }))),
  ];
  return {
    event: { id: envelope.id, type: envelope.type, ...(envelope.enriched !== undefined && { enriched: envelope.enriched }) },
    severity: {
      value: envelope.severity,
      original: envelope.originalSeverity,
      rulesFired: envelope.rulesFired ?? [],
      known: envelope.severity === undefined || isSeverity(envelope.severity),
    },
    routes: verdicts.map((v) => ({
      name: v.route.name,
      status: v.status,
      ...(v.status === 'not matched' && { failed: v.failed }),
      ...(v.status === 'not evaluated' && { stoppedBy: v.stoppedBy }),
      does: describeRoute(v.route),
      ...(v.status === 'matched' && dedupeKey(v.route, envelope, config.source.baseUrl)),
    })),
    connectors: await Promise.all(reached.map(async ({ name, via, envelope: sent }) => ({ name, type: connectorType(config, name), via, payload: await preview(config, name, sent) }))),
  };
}

function dedupeKey(route: RouteConfig, envelope: Envelope, baseUrl: string): { dedupeKey?: string } {
  return route.dedupe ? { dedupeKey: route.dedupe.key.render(envelope, baseUrl) } : {};
}

function connectorType(config: BridgeConfig, name: string): string {
  return config.connectors.find((c) => c.name === name)?.type ?? '?';
}

/** The connector's own preview of what it would send, made on a connector that is closed at once. */
async function preview(config: BridgeConfig, name: string, envelope: Envelope): Promise<unknown> {
  const c = config.connectors.find((candidate) => candidate.name === name);
  if (!c) return null;
  const connector = c.plugin.create(c.options, { name, logger: silentLogger, batch: c.batch, state: NO_STATE, baseUrl: config.source.baseUrl, proxy: c.proxy, findingStatus: c.findingStatus });
  try {
    return connector.preview?.(envelope) ?? null;
  } finally {
    await connector.close();
  }
}

/**
 * Events as JSON (`{"type": …, "data": {…}, "id": …}`, or an array of them) or as raw SSE
 * (`event:`, `data:` and `id:` lines, as the platform streams them; a block without data is no
 * event), in order.
 */
export function parseEventInput(text: string, receivedAt: number): WireEvent[] {
  const start = text.trimStart()[0];
  if (start === '{' || start === '[') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new Error(`the event is not JSON: ${(error as Error).message}`);
    }
    return (Array.isArray(parsed) ? parsed : [parsed]).map((event, i) => jsonEvent(event, receivedAt, i));
  }
  const events: WireEvent[] = [];
  let fields: Record<string, string[]> = {};
  const dispatch = () => {
    if (fields.data) events.push({ id: fields.id?.at(-1) ?? `test-route-${events.length + 1}`, type: fields.event?.at(-1) ?? 'message', data: fields.data.join('\n'), receivedAt });
    fields = {};
  };
  for (const line of text.split(/\r?\n/)) {
    if (line === '') dispatch();
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    (fields[field] ??= []).push(value);
  }
  dispatch();
  if (events.length === 0) throw new Error('no event found: give JSON with "type" and "data", or an SSE block with event: and data: lines');
  return events;
}

function jsonEvent(parsed: unknown, receivedAt: number, index: number): WireEvent {
  const { type, data = {}, id = index === 0 ? 'test-route' : `test-route-${index + 1}` } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof type !== 'string' || type === '') throw new Error('the event needs a "type", e.g. {"type": "finding.new", "data": {…}}');
  if (typeof id !== 'string') throw new Error('the event\'s "id" is a string');
  return { id, type, data: JSON.stringify(data), receivedAt };
}

export function formatReport(report: RouteReport): string {
  const { severity } = report;
  const changed = severity.original !== undefined ? ` (was ${severity.original})` : '';
  const rules = severity.rulesFired.length > 0 ? `; rules fired: ${severity.rulesFired.join(', ')}` : '; no rule fired';
  const unknown = severity.known ? '' : ' — unknown: it meets no severity threshold';
  const width = Math.max(...report.routes.map((r) => r.name.length));
  const enriched =
    report.event.enriched === undefined
      ? []
      : [report.event.enriched ? 'finding   told with its title, severity and asset from the events before it (enriched)' : 'finding   not named by an event before it: delivered as it came (enriched: false)'];
  const lines = [
    `event     ${report.event.type} (id ${report.event.id})`,
    ...enriched,
    `severity  ${severity.value ?? '(none)'}${changed}${rules}${unknown}`,
    'routes',
    ...report.routes.map((r) => `  ${r.name.padEnd(width)}  ${verdictText(r)}`),
    'connectors',
    ...(report.connectors.length === 0 ? ['  (none: nothing would be delivered)'] : []),
    ...report.connectors.flatMap((c) => [
      `  ${c.name} (${c.type}${c.via === 'digest' ? ', as part of a digest' : c.via === 'follows' ? ', following the finding it received' : ''})`,
      ...(c.payload === null ? ['    (this connector has no preview)'] : JSON.stringify(c.payload, null, 2).split('\n').map((l) => `    ${l}`)),
    ]),
  ];
  return lines.join('\n');
}

function verdictText(route: RouteReport['routes'][number]): string {
  switch (route.status) {
    case 'matched':
      return `matched      ${route.does}${route.dedupeKey !== undefined ? ` — dedupe key "${route.dedupeKey}"` : ''}`;
    case 'not matched':
      return `not matched  failed: ${route.failed}`;
    case 'expired':
      return `expired      (silence over) ${route.does}`;
    case 'not evaluated':
      return `not evaluated (${route.stoppedBy} stopped the evaluation)`;
  }
}
