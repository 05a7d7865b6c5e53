import { formatIssue } from '../../config/errors.js';
import { loadConfig } from '../../config/load.js';
import { formatDuration } from '../../config/units.js';
import { describeBudget } from '../../coordination/connection-budget.js';
import { createRedactor, redactUrl } from '../../observability/redact.js';
import { describeRoute } from '../../pipeline/router.js';

export function validateCommand(options: { config: string }): void {
  const config = loadConfig(options.config);
  const { source } = config;
  const lines = [
    `${options.config}: OK`,
    `  source: ${redactUrl(source.baseUrl)} (auth ${source.auth}, ${source.tier} tier: ${config.subscriptions.length}/${source.maxConnections} connections)${source.insecureHttp ? '; plain http: the API key crosses the network in clear text' : ''}`,
    // The subscriptions (given, or planned from the routes) and how the tier's budget is spent.
    ...describeBudget(config).map((line) => `  ${line}`),
    ...config.connectors.map((c) => `  connector ${c.name}: ${c.type} (batch ${c.batch.maxEvents} events / ${c.batch.maxBytes} B / ${formatDuration(c.batch.maxDelayMs)})`),
    ...config.severityRules.map((r) => `  severity rule ${r.name}: ${r.when.label} -> ${'set' in r.effect ? `set ${r.effect.set}` : `${r.effect.shift > 0 ? 'raise' : 'lower'} ${Math.abs(r.effect.shift)}`}${r.final ? ' (final)' : ''}`),
    ...config.routes.map((r) => `  route ${r.name}: ${describeRoute(r)}`),
    ...(config.tests.length > 0 ? [`  tests: ${config.tests.length} (run them with s4e-bridge test)`] : []),
    `  store: ${config.store.redisUrl ? `Redis ${redactUrl(config.store.redisUrl)} (prefix ${config.store.keyPrefix})` : `embedded, in ${config.store.path}`}`,
    ...config.warnings.map((warning) => `  warning: ${formatIssue(warning)}`),
  ];
  // It shows the config back: what came from ${VAR} or ${file:} is masked there too.
  console.log(createRedactor(config.secrets)(lines.join('\n')));
}
