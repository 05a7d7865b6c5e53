import { readFileSync, statSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { connectorPlugins, findPlugin } from '../../connectors/index.js';
import type { ConnectorPlugin } from '../../connectors/types.js';
import { environmentProxies, proxySecrets, type ProxySetting } from '../delivery/dispatcher.js';
import { DEFAULT_CIRCUIT, DEFAULT_DELIVERY, type BatchOptions, type DeliveryOptions } from '../delivery/options.js';
import { DEFAULT_FINDING_STATUS, FINDING_NEW, FINDING_STATUS_CHANGED, type FindingStatusSets } from '../pipeline/lifecycle.js';
import { demandOf, followsFindings, mergeAdvice } from '../planner/plan.js';
import { ConfigError, formatPath, type ConfigIssue } from './errors.js';
import { checkEventTypes } from './event-types.js';
import { maskInjected, type InjectedScalar } from './injected.js';
import { checkFieldTypes } from './field-types.js';
import { interpolate } from './interpolate.js';
import { issueMessages, type IssueMessages } from './issue-messages.js';
import { checkRules } from './rules.js';
import { COMMON_CONNECTOR_KEYS, configSchema, connectorCommon, type RawConfig } from './schema.js';

/** A connector as the bridge runs it: its plugin, its validated options, its delivery policy. */
export interface ConnectorConfig {
  readonly name: string;
  readonly type: string;
  readonly plugin: ConnectorPlugin<unknown>;
  readonly options: unknown;
  readonly batch: BatchOptions;
  readonly delivery: DeliveryOptions;
  /** HTTP connectors: the connector's `proxy`, else the config's; absent: the environment's. */
  readonly proxy?: ProxySetting;
  /** Which status changes close and which reopen what the connector opened for a finding. */
  readonly findingStatus: FindingStatusSets;
}

export interface BridgeConfig extends Omit<RawConfig, 'connectors'> {
  readonly connectors: readonly ConnectorConfig[];
  /** Every secret value in the config (API key, tokens, injected values): masked everywhere. */
  readonly secrets: readonly string[];
  /** What is valid but surely not meant (a test that can never hold on its field's type): `validate` and `run` say it. */
  readonly warnings: readonly ConfigIssue[];
  readonly file: string;
}

/** The secrets of every config this process loaded: see `secretsLoaded`. */
const loadedSecrets = new Set<string>();

/**
 * What the CLI masks in its last-resort error line, for an error that escaped every command (a
 * store path or listen address that came from `${VAR}` in a failed start): the logger masks its
 * own config's secrets, this masks them where no logger is.
 */
export function secretsLoaded(): ReadonlySet<string> {
  return loadedSecrets;
}

/** Large enough for any real config; a bigger file is a mistake or an attack. */
const MAX_CONFIG_BYTES = 1024 * 1024;
type Path = readonly (string | number)[];

/** Reads, interpolates and validates a config file; throws ConfigError listing every problem. */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  let text: string;
  try {
    const bytes = statSync(file).size;
    if (bytes > MAX_CONFIG_BYTES) throw new ConfigError(file, [{ path: '', message: `the file is ${bytes} bytes; a config is at most ${MAX_CONFIG_BYTES}` }]);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(file, [{ path: '', message: `cannot read the file: ${(error as NodeJS.ErrnoException).code ?? String(error)}` }]);
  }
  return parseConfig(text, file, env);
}

export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  const lineCounter = new LineCounter();
  // maxAliasCount bounds alias expansion ("billion laughs").
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = locator(doc, lineCounter);
  // The first syntax error alone: the parser's later ones follow from it.
  const syntax = doc.errors[0];
  if (syntax) {
    const { line, col } = lineCounter.linePos(syntax.pos[0]);
    throw new ConfigError(file, [{ path: '', line, column: col, message: `YAML syntax: ${syntax.message.split('\n')[0]!}` }]);
  }

  const injected = interpolateDocument(doc, env, at, file);
  try {
    return validate(doc, at, file, injected, env);
  } catch (error) {
    // Whatever the field, a value read from the environment or a file is a secret.
    if (error instanceof ConfigError) throw new ConfigError(file, maskInjected(error.issues, injected));
    throw error;
  }
}

/** The interpolated document, checked against the schema, the connectors' and across sections. */
function validate(doc: Document, at: Locate, file: string, injected: readonly InjectedScalar[], env: NodeJS.ProcessEnv): BridgeConfig {
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError(file, [{ path: '', message: (error as Error).message }]);
  }
  if (raw === null || typeof raw !== 'object') throw new ConfigError(file, [{ path: '', message: 'the config must be a YAML mapping' }]);

  const messages = issueMessages();
  const parsed = configSchema.safeParse(raw, { error: messages.error, reportInput: true });
  if (!parsed.success) throw new ConfigError(file, zodIssues(parsed.error, [], at, messages));
  const config = parsed.data;

  const issues: ConfigIssue[] = [];
  checkEventTypes(raw as Record<string, unknown>, (path, message, onKey) => issues.push(at(path, message, onKey)));
  const connectors = Object.entries(config.connectors).flatMap(([name, value]) => {
    const built = buildConnector(name, value, config.proxy, at, messages, issues);
    return built ? [built] : [];
  });
  checkReferences(config, at, issues);
  const acceptsDigest = (connector: string) => connectors.find((c) => c.name === connector)?.plugin.acceptsDigest === true;
  checkRules(config, acceptsDigest, (path, message) => issues.push(at(path, message)));
  if (issues.length > 0) throw new ConfigError(file, issues);
  const warnings: ConfigIssue[] = [];
  checkFieldTypes(raw, (path, message) => warnings.push(at(path, message)));
  checkStatusChangesSubscribed(config, (path, message) => warnings.push(at(path, message)));

  const secrets = new Set<string>([config.source.apiKey, ...injected.flatMap((s) => s.values)]);
  if (config.server.token) secrets.add(config.server.token);
  for (const c of connectors) for (const s of c.plugin.secrets(c.options)) if (s) secrets.add(s);
  for (const proxy of [config.source.proxy, ...connectors.map((c) => c.proxy || undefined), ...environmentProxies(env)]) {
    for (const s of proxySecrets(proxy)) secrets.add(s);
  }
  if (config.store.redisUrl) {
    const password = safeUrl(config.store.redisUrl)?.password;
    if (password) secrets.add(decodeURIComponent(password));
  }
  for (const secret of secrets) loadedSecrets.add(secret);
  return { ...config, connectors, secrets: [...secrets], warnings, file };
}

/** `onKey`: point at the key itself (an unknown key), not at its value. */
type Locate = (path: Path, message: string, onKey?: boolean) => ConfigIssue;

/** Turns a YAML path into an issue with the line and column of the closest node that exists. */
function locator(doc: Document, lines: LineCounter): Locate {
  return (path, message, onKey = false) => {
    const key = onKey ? keyOffset(doc, path) : undefined;
    if (key !== undefined) {
      const { line, col } = lines.linePos(key);
      return { path: formatPath(path), line, column: col, message };
    }
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
      const offset = node?.range?.[0] ?? (depth === path.length ? undefined : keyOffset(doc, path.slice(0, depth + 1)));
      if (offset !== undefined) {
        const { line, col } = lines.linePos(offset);
        return { path: formatPath(path), line, column: col, message };
      }
    }
    return { path: formatPath(path), message };
  };
}

/** Where a key is written, for issues about a key itself (unknown key) or a missing value. */
function keyOffset(doc: Document, path: Path): number | undefined {
  const parent = doc.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path[path.length - 1]);
  return (pair?.key as { range?: number[] } | undefined)?.range?.[0];
}

function interpolateDocument(doc: Document, env: NodeJS.ProcessEnv, at: Locate, file: string): InjectedScalar[] {
  const injected: InjectedScalar[] = [];
  const issues: ConfigIssue[] = [];
  visit(doc, {
    Scalar(_key, node, ancestors) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      try {
        const result = interpolate(node.value, env);
        if (result.injected.length > 0) injected.push({ path: formatPath(pathOf(ancestors, node)), references: result.references, values: result.injected });
        node.value = result.value;
      } catch (error) {
        issues.push(at(pathOf(ancestors, node), (error as Error).message));
      }
    },
  });
  if (issues.length > 0) throw new ConfigError(file, issues);
  return injected;
}

/** The key path of a node from the ancestors yaml's visitor passes. */
function pathOf(ancestors: readonly unknown[], node: unknown): Path {
  const chain = [...ancestors, node];
  return chain.flatMap((parent, i): Path => {
    if (isPair(parent) && isScalar(parent.key)) return [String(parent.key.value)];
    if (isSeq(parent)) return [parent.items.indexOf(chain[i + 1] as never)];
    return [];
  });
}

/** `alsoKnown`: keys the mapping at `prefix` takes beside the schema's (a connector's shared keys). */
function zodIssues(error: z.ZodError, prefix: Path, at: Locate, messages: IssueMessages, alsoKnown: readonly string[] = []): ConfigIssue[] {
  return error.issues.flatMap((issue) => {
    const path = [...prefix, ...(issue.path as (string | number)[])];
    if (issue.code === 'unrecognized_keys') {
      const also = issue.path.length === 0 ? alsoKnown : [];
      return issue.keys.map((key) => at([...path, key], messages.unknownKey(key, issue.input, also), true));
    }
    return [at(path, issue.message)];
  });
}

function buildConnector(name: string, value: unknown, defaultProxy: string | undefined, at: Locate, messages: IssueMessages, issues: ConfigIssue[]): ConnectorConfig | undefined {
  const path = ['connectors', name];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    issues.push(at(path, 'a connector is a mapping with a "type"'));
    return undefined;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const parse = { error: messages.error, reportInput: true };
  const common = connectorCommon.safeParse(Object.fromEntries(entries.filter(([k]) => COMMON_CONNECTOR_KEYS.includes(k))), parse);
  if (!common.success) {
    issues.push(...zodIssues(common.error, path, at, messages));
    return undefined;
  }
  const plugin = findPlugin(common.data.type);
  if (!plugin) {
    issues.push(at([...path, 'type'], `unknown connector type "${common.data.type}"; known: ${connectorPlugins.map((p) => p.type).join(', ')}`));
    return undefined;
  }
  if (common.data.proxy !== undefined && !plugin.speaksHttp) {
    const http = connectorPlugins.filter((p) => p.speaksHttp).map((p) => p.type);
    issues.push(at([...path, 'proxy'], `proxy applies to the HTTP connectors (${http.join(', ')}); ${plugin.type} connects to its destination directly`));
  }
  const options = plugin.options.safeParse(Object.fromEntries(entries.filter(([k]) => !COMMON_CONNECTOR_KEYS.includes(k))), parse);
  if (!options.success) {
    issues.push(...zodIssues(options.error, path, at, messages, COMMON_CONNECTOR_KEYS));
    return undefined;
  }
  const { batch = {}, delivery = {}, proxy = defaultProxy, finding_status: findingStatus = DEFAULT_FINDING_STATUS } = common.data;
  const { retry = {}, circuit = {} } = delivery;
  const defaults = plugin.deliveryDefaults ?? {};
  const rateLimit = delivery.rate_limit ? { max: delivery.rate_limit.max, perMs: delivery.rate_limit.per } : defaults.rateLimit;
  return {
    name,
    type: plugin.type,
    plugin,
    options: options.data,
    ...(plugin.speaksHttp && proxy !== undefined && { proxy }),
    batch: {
      maxEvents: batch.max_events ?? plugin.batchDefaults.maxEvents,
      maxBytes: batch.max_bytes ?? plugin.batchDefaults.maxBytes,
      maxDelayMs: batch.max_delay ?? plugin.batchDefaults.maxDelayMs,
    },
    delivery: {
      concurrency: delivery.concurrency ?? defaults.concurrency ?? DEFAULT_DELIVERY.concurrency,
      timeoutMs: delivery.timeout ?? DEFAULT_DELIVERY.timeoutMs,
      retry: {
        initialDelayMs: retry.initial_delay ?? DEFAULT_DELIVERY.retry.initialDelayMs,
        maxDelayMs: retry.max_delay ?? DEFAULT_DELIVERY.retry.maxDelayMs,
        maxDurationMs: retry.max_duration ?? DEFAULT_DELIVERY.retry.maxDurationMs,
      },
      ...(rateLimit && { rateLimit }),
      circuit: {
        failureThreshold: circuit.failure_threshold ?? DEFAULT_CIRCUIT.failureThreshold,
        openForMs: circuit.open_for ?? DEFAULT_CIRCUIT.openForMs,
        authRetryMs: delivery.auth_retry ?? DEFAULT_CIRCUIT.authRetryMs,
      },
    },
    findingStatus,
  };
}

/** Checks across sections: names unique, routes name real connectors, the tier's budget. */
function checkReferences(config: RawConfig, at: Locate, issues: ConfigIssue[]): void {
  const seen = new Map<string, number>();
  config.subscriptions.forEach((s, i) => {
    if (seen.has(s.name)) issues.push(at(['subscriptions', i, 'name'], `duplicate subscription name "${s.name}" (also subscriptions[${seen.get(s.name)}])`));
    seen.set(s.name, i);
  });
  const routeNames = new Set<string>();
  config.routes.forEach((r, i) => {
    if (routeNames.has(r.name)) issues.push(at(['routes', i, 'name'], `duplicate route name "${r.name}"`));
    routeNames.add(r.name);
    r.to.forEach((target, j) => {
      if (!(target in config.connectors)) {
        issues.push(at(['routes', i, 'to', j], `no connector named "${target}"; declared: ${Object.keys(config.connectors).join(', ')}`));
      }
    });
  });
  const { tier, maxConnections } = config.source;
  if (config.subscriptions.length > maxConnections) {
    issues.push(
      at(
        ['subscriptions'],
        `${config.subscriptions.length} subscriptions need ${config.subscriptions.length} connections, but the ${tier} tier allows ${maxConnections}; merge subscriptions (one subscription can carry several event types) or change source.tier: ${mergeAdvice(config.subscriptions, maxConnections).join('; ')}`,
      ),
    );
  } else if (config.scanProgress && config.subscriptions.length >= maxConnections) {
    issues.push(at(['scan_progress'], `the ${config.subscriptions.length} subscriptions take all ${maxConnections} connections of the ${tier} tier: none is left for progress streams; ${mergeAdvice(config.subscriptions, maxConnections - 1).join('; ') || 'change source.tier'}`));
  }
  if (config.scanProgress && !config.subscriptions.some((s) => s.events === undefined || s.events.includes('scan.created'))) {
    issues.push(at(['scan_progress'], 'following scans needs scan.created: add it to a subscription\'s events (or omit subscriptions to let the planner do it)'));
  }
  if (config.source.reconnect.initialDelayMs > config.source.reconnect.maxDelayMs) {
    issues.push(at(['source', 'reconnect', 'initial_delay'], 'initial_delay is longer than max_delay'));
  }
}

/**
 * A route whose findings' status changes follow them needs finding.status_changed on a
 * subscription; the planner adds it, explicit subscriptions may lack it.
 */
function checkStatusChangesSubscribed(config: RawConfig, warn: (path: Path, message: string) => void): void {
  if (config.subscriptionsPlanned || config.subscriptions.some((s) => s.events === undefined || s.events.includes(FINDING_STATUS_CHANGED))) return;
  const route = config.routes.findIndex((r) => followsFindings(r) && (demandOf([r]).events ?? [FINDING_NEW]).includes(FINDING_NEW));
  if (route < 0) return;
  warn(['subscriptions'], `route ${config.routes[route]!.name} delivers finding.new, and the findings' status changes follow it (send_resolved), but no subscription receives finding.status_changed: add it beside finding.new`);
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
