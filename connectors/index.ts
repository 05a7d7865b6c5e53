import type { ConnectorPlugin } from './types.js';
import { cefSyslogPlugin } from './cef-syslog/index.js';
import { jiraPlugin } from './jira/index.js';
import { slackPlugin } from './slack/index.js';
import { splunkHecPlugin } from './splunk-hec/index.js';

/** Every connector type the bridge knows. A new connector is a folder plus one line here. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each plugin has its own options type
export const connectorPlugins: readonly ConnectorPlugin<any>[] = [splunkHecPlugin, cefSyslogPlugin, slackPlugin, jiraPlugin];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function findPlugin(type: string): ConnectorPlugin<any> | undefined {
  return connectorPlugins.find((p) => p.type === type);
}
