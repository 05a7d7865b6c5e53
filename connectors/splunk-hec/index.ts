import type { ConnectorPlugin } from '../types.js';
import { createRedactor } from '../../src/observability/redact.js';
import { HecClient } from './client.js';
import { splunkHecOptions, type SplunkHecOptions } from './config.js';
import { HecConnector } from './connector.js';
import { createHecEncoder } from './encoder.js';

export { splunkHecOptions, type SplunkHecOptions } from './config.js';

/** Splunk HTTP Event Collector, `/services/collector/event` endpoint. */
export const splunkHecPlugin: ConnectorPlugin<SplunkHecOptions> = {
  type: 'splunk_hec',
  options: splunkHecOptions,
  speaksHttp: true,
  // Under Splunk Cloud's reported 1 MB request limit.
  batchDefaults: { maxEvents: 500, maxBytes: 900_000, maxDelayMs: 1_000 },
  secrets: (options) => [options.token],
  create(options, context) {
    const { tls } = options;
    if (tls.insecure_skip_verify) {
      context.logger.warn({ url: options.url }, 'tls.insecure_skip_verify is on: HEC certificate is not verified; use only for testing');
    }
    const client = new HecClient({
      url: options.url,
      token: options.token,
      gzip: options.gzip,
      caFile: tls.ca_file,
      insecureSkipVerify: tls.insecure_skip_verify,
      proxy: context.proxy,
    });
    return new HecConnector({
      client,
      encode: createHecEncoder({ ...options, baseUrl: context.baseUrl }),
      maxBytes: context.batch.maxBytes,
      logger: context.logger,
      redact: createRedactor([options.token]),
    });
  },
};
