import type { ConnectorPlugin } from '../types.js';
import { HttpClient } from '../../src/delivery/http-client.js';
import { createRedactor } from '../../src/observability/redact.js';
import { slackOptions, webhookSecrets, type SlackOptions } from './config.js';
import { SlackConnector } from './connector.js';
import { encodeSlackMessage } from './message.js';

export { slackOptions, type SlackOptions } from './config.js';
export { encodeSlackMessage, type SlackMessage, type SlackMessageOptions } from './message.js';

/** Slack incoming webhooks: one Block Kit message per event. */
export const slackPlugin: ConnectorPlugin<SlackOptions> = {
  type: 'slack',
  options: slackOptions,
  speaksHttp: true,
  acceptsDigest: true,
  // One message per event (a route's digest is one event too), sent as soon as it is read; a
  // message stays far below what Slack takes.
  batchDefaults: { maxEvents: 1, maxBytes: 40_000, maxDelayMs: 0 },
  // Slack allows about one message per second per webhook (short bursts aside).
  deliveryDefaults: { rateLimit: { max: 1, perMs: 1_000 }, concurrency: 1 },
  secrets: (options) => webhookSecrets(options.webhook_url),
  create(options, context) {
    const { tls } = options;
    if (tls.insecure_skip_verify) {
      context.logger.warn('tls.insecure_skip_verify is on: the Slack webhook certificate is not verified; use only for testing');
    }
    const messageOptions = { platformUrl: options.platform_url, mention: options.mention, maxBytes: context.batch.maxBytes };
    return new SlackConnector({
      http: new HttpClient({ caFile: tls.ca_file, insecureSkipVerify: tls.insecure_skip_verify, proxy: context.proxy }),
      webhookUrl: options.webhook_url,
      encode: (envelope) => encodeSlackMessage(envelope, messageOptions),
      redact: createRedactor(webhookSecrets(options.webhook_url)),
    });
  },
};
