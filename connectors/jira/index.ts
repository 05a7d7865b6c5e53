import type { ConnectorPlugin } from '../types.js';
import { createRedactor } from '../../src/observability/redact.js';
import { DEFAULT_FINDING_STATUS } from '../../src/pipeline/lifecycle.js';
import { JiraClient } from './client.js';
import { authorizationOf, jiraOptions, secretsOf, type JiraOptions } from './config.js';
import { JiraConnector } from './connector.js';

export { jiraOptions, type JiraOptions } from './config.js';

/**
 * Jira Cloud (REST v3) or Data Center (REST v2): one issue per finding, opened on
 * `finding.new`, closed, reopened or commented on `finding.status_changed` (the connector's
 * `finding_status`); other event types are no-ops.
 */
export const jiraPlugin: ConnectorPlugin<JiraOptions> = {
  type: 'jira',
  options: jiraOptions,
  speaksHttp: true,
  // One event per delivery: each is a conversation of several requests under a per-finding lock.
  batchDefaults: { maxEvents: 1, maxBytes: 100_000, maxDelayMs: 0 },
  secrets: secretsOf,
  create(options, context) {
    const { tls } = options;
    if (tls.insecure_skip_verify) {
      context.logger.warn({ url: options.url }, 'tls.insecure_skip_verify is on: Jira certificate is not verified; use only for testing');
    }
    const redact = createRedactor(secretsOf(options));
    const client = new JiraClient({
      url: options.url,
      deployment: options.deployment,
      authorization: authorizationOf(options),
      caFile: tls.ca_file,
      insecureSkipVerify: tls.insecure_skip_verify,
      proxy: context.proxy,
      redact,
    });
    return new JiraConnector({ client, state: context.state, options, logger: context.logger, redact, findingStatus: context.findingStatus ?? DEFAULT_FINDING_STATUS });
  },
};
