/** The demo's store: a Redis that answered, else the embedded store in a directory. */
export type DemoStore = { readonly redisUrl: string } | { readonly path: string };

/** The config the demo runs with, written next to its output so a user can read and reuse it. */
export function demoConfig(urls: { simulatorUrl: string; hecUrl: string; store: DemoStore }): string {
  return `# Written by \`s4e-bridge demo\`: the simulator, a local HEC receiver and ${'redisUrl' in urls.store ? 'Redis' : 'the embedded store'} on this machine.
source:
  base_url: ${urls.simulatorUrl}
  api_key: \${DEMO_API_KEY}
  auth: header
  tier: standard
  heartbeat_timeout: 20s
  reconnect: { initial_delay: 200ms, max_delay: 5s }
store:
${'redisUrl' in urls.store ? `  redis_url: ${urls.store.redisUrl}\n  key_prefix: s4e-bridge-demo` : `  path: ${urls.store.path}`}
subscriptions:
  - name: findings
    events: [finding.new, finding.status_changed]
  - name: operations
    events: [scan.created, scan.progress, scan.completed, scan.failed, action.triggered, action.completed, playbook.started, playbook.completed, system.alert]
connectors:
  splunk:
    type: splunk_hec
    url: ${urls.hecUrl}
    token: \${DEMO_HEC_TOKEN}
    index: s4e
    sourcetype: s4e:event
    batch: { max_events: 500, max_delay: 200ms }
routes:
  - name: everything-to-splunk
    match: { events: ["*"] }
    to: [splunk]
`;
}
