import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHecReceiver } from './hec-receiver.js';
import { startJiraReceiver, type JiraIssueRecord } from './jira-receiver.js';
import { startSlackReceiver } from './slack-receiver.js';
import { startSyslogReceiver } from './syslog-receiver.js';

/** Credentials the demo's local receivers accept: made up, never real ones. */
export const DEMO_SECRETS = {
  DEMO_API_KEY: 'demo-api-key',
  DEMO_HEC_TOKEN: 'demo-hec-token',
  DEMO_JIRA_TOKEN: 'demo-jira-token',
} as const;

export interface DemoReceivers {
  readonly hecUrl: string;
  readonly syslogPort: number;
  readonly slackUrl: string;
  readonly jiraUrl: string;
  /** What each connector's receiver holds now, by connector name, and the file it writes. */
  counts(): { readonly connector: string; readonly received: number; readonly file: string }[];
  /** The Jira receiver's issues. */
  jiraIssues(): JiraIssueRecord[];
  close(): Promise<void>;
}

/** A local stand-in for each destination, each writing what it gets to a file in `dir`. */
export async function startDemoReceivers(dir: string): Promise<DemoReceivers> {
  const files = {
    splunk: join(dir, 'hec-events.jsonl'),
    siem: join(dir, 'syslog-cef.log'),
    slack: join(dir, 'slack-messages.jsonl'),
    jira: join(dir, 'jira-changes.jsonl'),
  };
  // Each run starts its files afresh: their lines are this run's counts.
  for (const file of Object.values(files)) writeFileSync(file, '');
  const [hec, syslog, slack, jira] = await Promise.all([
    startHecReceiver({ token: DEMO_SECRETS.DEMO_HEC_TOKEN, file: files.splunk }),
    startSyslogReceiver({ transport: 'tcp', file: files.siem }),
    startSlackReceiver({ file: files.slack }),
    startJiraReceiver({ deployment: 'cloud', token: DEMO_SECRETS.DEMO_JIRA_TOKEN, file: files.jira }),
  ]);
  return {
    hecUrl: hec.url,
    syslogPort: syslog.port,
    slackUrl: slack.url,
    jiraUrl: jira.url,
    counts: () => [
      { connector: 'splunk', received: hec.eventCount, file: files.splunk },
      { connector: 'siem', received: syslog.count, file: files.siem },
      { connector: 'slack', received: slack.messages().length, file: files.slack },
      { connector: 'jira', received: jira.issues().length, file: files.jira },
    ],
    jiraIssues: () => jira.issues(),
    close: async () => {
      await Promise.all([hec.close(), syslog.close(), slack.close(), jira.close()]);
    },
  };
}
