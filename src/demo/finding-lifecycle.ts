import { findingLabel } from '../../connectors/jira/finding.js';
import type { Simulator } from '../simulator/index.js';
import type { JiraIssueRecord } from './jira-receiver.js';

/**
 * The event stream document's finding.new example, as the platform streams it, and a status
 * change of that finding with the three fields the document gives one: what the demo walks
 * through first, a ticket opened in Jira and closed by the platform's own shape of event.
 */
export const DOCUMENT_FINDING = {
  type: 'finding.new',
  id: 'evt-8a3b9c2d',
  data: '{"finding_id":"f-91827","title":"SQL Injection","severity":"critical","asset":{"id":"a-1001","name":"api.example.com"}}',
};
export const DOCUMENT_RESOLUTION = {
  type: 'finding.status_changed',
  id: 'evt-8a3b9c2e',
  data: '{"finding_id":"f-91827","old_status":"open","new_status":"resolved"}',
};
const FINDING_ID = 'f-91827';

/** How long each step may take before the walkthrough says it did not happen. */
const STEP_TIMEOUT_MS = 20_000;

export interface Walkthrough {
  readonly simulator: Pick<Simulator, 'inject'>;
  /** Whether the bridge's stream of findings is connected: a fresh bridge reads live events only. */
  readonly connected: () => boolean;
  /** The Jira receiver's issues. */
  readonly issues: () => JiraIssueRecord[];
  readonly say: (line: string) => void;
  readonly signal: AbortSignal;
}

/**
 * Once the bridge is connected, publishes the finding, waits for its Jira issue, publishes its
 * resolution and waits for the issue to be closed, telling each step. Resolves when done or
 * given up; never throws.
 */
export async function walkThroughFindingLifecycle({ simulator, connected, issues, say, signal }: Walkthrough): Promise<void> {
  const issue = () => issues().find((i) => (i.fields.labels as string[] | undefined)?.includes(findingLabel(FINDING_ID)));
  if (!(await until(() => (connected() ? true : undefined), signal))) return;
  simulator.inject([DOCUMENT_FINDING]);
  say(`demo: published the document's finding.new example: ${DOCUMENT_FINDING.data}`);
  const opened = await until(() => issue(), signal);
  if (!opened) return say('demo: its Jira issue did not appear (see .demo/bridge.log)');
  say(`demo: Jira ${opened.key} opened for ${FINDING_ID}: "${String(opened.fields.summary)}"`);
  simulator.inject([DOCUMENT_RESOLUTION]);
  say(`demo: published its status change, in the document's shape: ${DOCUMENT_RESOLUTION.data}`);
  const closed = await until(() => (issue()?.status === 'Done' ? issue() : undefined), signal);
  say(closed ? `demo: Jira ${closed.key} closed (${closed.status}): the bridge told the change with the finding it remembered` : `demo: Jira ${opened.key} was not closed (see .demo/bridge.log)`);
}

async function until<T>(found: () => T | undefined, signal: AbortSignal): Promise<T | undefined> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (let value = found(); !signal.aborted && Date.now() < deadline; value = found()) {
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return found();
}
