import { formatIssue } from '../../config/errors.js';
import { loadConfig } from '../../config/load.js';
import { describeBudget } from '../../coordination/connection-budget.js';
import { redactUrl } from '../../observability/redact.js';
import { describeRoute } from '../../pipeline/router.js';

export function validateCommand(options: { config: string }): void {
  const config = loadConfig(options.config);
  const { source } = config;
  const lines = [
    `${options.config}: OK`,
    `  source: ${redactUrl(source.baseUrl)} (auth ${source.auth}, ${source.tier} tier: ${config.subscriptions.length}/${source.maxConnections} connections)`,
    // The subscriptions (given, or planned from the routes) and how the tier's budget is spent.
    ...describeBudget(config).map((line) => `  ${line}`),
    ...config.connectors.map((c) => `  connector ${c.name}: ${c.type} (batch ${c.batch.maxEvents} events / ${c.batch.maxBytes} B / ${c.batch.maxDelayMs} ms)`),
    ...config.severityRules.map((r) => `  severity rule ${r.name}: ${r.when.label} -> ${'set' in r.effect ? `set ${r.effect.set}` : `${r.effect.shift > 0 ? 'raise' : 'lower'} ${Math.abs(r.effect.shift)}`}${r.final ? ' (final)' : ''}`),
    ...config.routes.map((r) => `  route ${r.name}: ${describeRoute(r)}`),
    ...(config.tests.length > 0 ? [`  tests: ${config.tests.length} (run them with s4e-bridge test)`] : []),
    `  store: ${config.store.redisUrl ? `redis ${redactUrl(config.store.redisUrl)}` : 'none'} (prefix ${config.store.keyPrefix})`,
    ...config.warnings.map((warning) => `  warning: ${formatIssue(warning)}`),
  ];
  console.log(lines.join('\n'));
}
