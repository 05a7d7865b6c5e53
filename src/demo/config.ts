import type { DemoReceivers } from './receivers.js';
import type { DemoStore } from './reset.js';

/** The config the demo runs with, written next to its output so a user can read and reuse it. */
export function demoConfig(simulatorUrl: string, receivers: DemoReceivers, store: DemoStore): string {
  return `# Written by \`s4e-bridge demo\`: the simulator, local stand-ins for Splunk HEC, a syslog SIEM,
# Slack and Jira, and ${'redisUrl' in store ? 'Redis' : 'the embedded store'} on this machine.
source:
  base_url: ${simulatorUrl}
  api_key: \${DEMO_API_KEY}
  tier: standard
  heartbeat_timeout: 20s
  reconnect: { initial_delay: 200ms, max_delay: 5s }
store:
${'redisUrl' in store ? `  redis_url: ${store.redisUrl}\n  key_prefix: ${store.keyPrefix}` : `  path: ${store.path}`}
server:
  enabled: false
subscriptions:
  - name: findings
    events: [finding.new, finding.status_changed]
  - name: operations
    events: [scan.created, scan.progress, scan.completed, scan.failed, action.triggered, action.completed, playbook.started, playbook.completed, system.alert]
connectors:
  splunk:
    type: splunk_hec
    url: ${receivers.hecUrl}
    token: \${DEMO_HEC_TOKEN}
    index: s4e
    batch: { max_events: 500, max_delay: 200ms }
  siem:
    type: cef_syslog
    host: 127.0.0.1
    port: ${receivers.syslogPort}
    transport: tcp
  slack:
    type: slack
    webhook_url: ${receivers.slackUrl}
    # The local receiver takes more than Slack's 1 message per second.
    delivery: { rate_limit: { max: 20, per: 1s } }
  jira:
    type: jira
    deployment: cloud
    url: ${receivers.jiraUrl}
    email: bridge@example.com
    api_token: \${DEMO_JIRA_TOKEN}
    project: SEC
routes:
  - name: everything-to-the-siems
    to: [splunk, siem]
  - name: critical-findings-to-slack
    match: { events: [finding.new], min_severity: critical }
    to: [slack]
  # A ticket per serious finding; its status changes follow it there (resolved closes it).
  - name: serious-findings-to-jira
    match: { events: finding.new, min_severity: high }
    to: [jira]
`;
}
