import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Connector, ConnectorState, DeliveryOutcome } from '../types.js';
import type { Envelope } from '../../src/pipeline/envelope.js';
import type { Redactor } from '../../src/observability/redact.js';
import { statusAction, type FindingStatusSets } from '../../src/pipeline/lifecycle.js';
import { isSeverity } from '../../src/pipeline/severity.js';
import type { JiraClient, JiraTransition } from './client.js';
import type { JiraOptions } from './config.js';
import { issueDescription, issueSummary, repeatComment, statusComment } from './content.js';
import { FINDING_NEW, FINDING_STATUS_CHANGED, findingLabel, readFinding, type Finding } from './finding.js';
import { labelQuery } from './jql.js';
import { JiraError } from './response.js';

/**
 * How long a per-finding lock lives: the default `delivery.timeout`, the longest one delivery
 * may run. It is only an upper bound: a delivery releases its lock when it is done.
 */
export const LOCK_TTL_MS = 30_000;
/** When another delivery holds the lock, come back after this long. */
export const LOCK_BUSY_RETRY_MS = 1_000;

export type JiraBehaviour = Pick<
  JiraOptions,
  | 'project'
  | 'issue_type'
  | 'priority_map'
  | 'labels'
  | 'comment_on_repeat'
  | 'done_transition'
  | 'reopen_transition'
  | 'platform_url'
>;

export interface JiraConnectorParts {
  readonly client: JiraClient;
  /** Holds `issue:<finding id>` → issue key, and `lock:<finding id>` while a delivery works on it. */
  readonly state: ConnectorState;
  readonly options: JiraBehaviour;
  readonly logger: Logger;
  /** Masks the credentials in every reason and response that leaves the connector. */
  readonly redact: Redactor;
  /** The connector's `finding_status`: which status changes close the issue and which reopen it. */
  readonly findingStatus: FindingStatusSets;
}

const DELIVERED: DeliveryOutcome = { status: 'delivered' };

/** What a delivery holding a finding's lock decides about it. */
interface Lock {
  /**
   * Leave the lock to expire instead of releasing it: set while a create may have made an
   * issue that the map does not hold yet (no answer, or a 5xx). The retry then comes after
   * the TTL, by when Cloud's search index has caught up and finds the issue by its label.
   */
  keep: boolean;
}

/**
 * One issue per finding. `finding.new` opens it (or comments when it exists already);
 * `finding.status_changed` closes it, reopens it or comments on it, as `finding_status` says.
 * Every other event type is delivered as a no-op. Each event is one conversation with Jira
 * under a per-finding lock held in the shared state, so that concurrent deliveries and replicas
 * never both create: Cloud's search is eventually consistent and cannot be relied on to see an
 * issue made a moment ago.
 */
export class JiraConnector implements Connector {
  constructor(private readonly parts: JiraConnectorParts) {}

  async deliver(batch: readonly Envelope[], signal: AbortSignal): Promise<DeliveryOutcome[]> {
    const outcomes: DeliveryOutcome[] = [];
    for (const envelope of batch) outcomes.push(this.#redacted(await this.#deliverOne(envelope, signal)));
    return outcomes;
  }

  async healthcheck(signal: AbortSignal): Promise<void> {
    try {
      await this.parts.client.check(this.parts.options.project, signal);
    } catch (error) {
      throw new Error(this.parts.redact(`Jira health check failed: ${(error as Error).message}`), { cause: error });
    }
  }

  close(): Promise<void> {
    return this.parts.client.close();
  }

  async #deliverOne(envelope: Envelope, signal: AbortSignal): Promise<DeliveryOutcome> {
    const { type } = envelope;
    if (type !== FINDING_NEW && type !== FINDING_STATUS_CHANGED) {
      this.parts.logger.debug({ event: { id: envelope.id, type } }, 'not a finding event: nothing to do in Jira');
      return DELIVERED;
    }
    const finding = readFinding(envelope);
    if (!finding) return { status: 'failed', reason: `${type} event has no finding_id` };
    if (type === FINDING_STATUS_CHANGED && !finding.newStatus) return { status: 'failed', reason: `${type} event has no new_status` };
    try {
      return await this.#locked(finding.id, (lock) =>
        type === FINDING_NEW ? this.#opened(finding, envelope, lock, signal) : this.#statusChanged(finding, envelope, signal),
      );
    } catch (error) {
      return outcomeOf(error); // the state store failed
    }
  }

  /** Runs `work` holding the finding's lock; 'retry' at once when another delivery holds it. */
  async #locked(findingId: string, work: (lock: Lock) => Promise<DeliveryOutcome>): Promise<DeliveryOutcome> {
    const { state, logger } = this.parts;
    const key = `lock:${findingId}`;
    const owner = randomUUID();
    if (!(await state.setIfAbsent(key, owner, LOCK_TTL_MS))) {
      return { status: 'retry', reason: `finding ${findingId} is being handled by another delivery`, retryAfterMs: LOCK_BUSY_RETRY_MS };
    }
    const lock: Lock = { keep: false };
    let outcome: DeliveryOutcome;
    try {
      outcome = await work(lock);
    } catch (error) {
      outcome = outcomeOf(error);
    }
    if (lock.keep) {
      logger.warn({ finding: findingId }, 'issue creation unconfirmed: the finding stays locked until the lock expires, then is searched again');
      return outcome.status === 'retry' ? { ...outcome, retryAfterMs: Math.max(outcome.retryAfterMs ?? 0, LOCK_TTL_MS) } : outcome;
    }
    // Not releasing only delays the next delivery of this finding until the TTL.
    await state.delete(key, owner).catch((error: unknown) => logger.warn({ err: error, finding: findingId }, 'could not release a finding lock'));
    return outcome;
  }

  async #opened(finding: Finding, envelope: Envelope, lock: Lock, signal: AbortSignal): Promise<DeliveryOutcome> {
    const { client, state, options, logger } = this.parts;
    const existing = await this.#issueOf(finding.id, signal);
    if (existing !== undefined) {
      if (options.comment_on_repeat) await client.addComment(existing, repeatComment(envelope), signal);
      logger.info({ finding: finding.id, issue: existing, commented: options.comment_on_repeat }, 'finding reported again');
      return DELIVERED;
    }
    const label = findingLabel(finding.id);
    lock.keep = true;
    let key: string;
    try {
      key = await client.createIssue(
        {
          project: options.project,
          issueType: options.issue_type,
          summary: issueSummary(finding),
          priority: finding.severity !== undefined && isSeverity(finding.severity) ? options.priority_map[finding.severity] : undefined,
          labels: [...new Set([...options.labels, label])],
          description: issueDescription(finding, envelope, { label, platformUrl: options.platform_url }),
        },
        signal,
      );
    } catch (error) {
      // A 4xx (429 included) means Jira did not create it.
      if (error instanceof JiraError && error.status !== undefined && error.status < 500) lock.keep = false;
      throw error;
    }
    // Recorded before the lock goes: a later delivery must find it here, not by a lagging search.
    await state.set(issueKey(finding.id), key);
    lock.keep = false;
    logger.info({ finding: finding.id, issue: key }, 'issue created');
    return DELIVERED;
  }

  async #statusChanged(finding: Finding, envelope: Envelope, signal: AbortSignal): Promise<DeliveryOutcome> {
    const key = await this.#issueOf(finding.id, signal);
    if (key === undefined) {
      // Opening an issue for a finding the bridge never saw new would file already-closed work.
      // Normal (a finding below the route's threshold when new, or older than the bridge): not a warning.
      this.parts.logger.debug({ finding: finding.id, status: finding.newStatus }, 'status change for a finding without an issue: ignored');
      return DELIVERED;
    }
    switch (statusAction(this.parts.findingStatus, finding.newStatus)) {
      case 'close':
        return this.#close(key, finding, envelope, signal);
      case 'reopen':
        return this.#reopen(key, finding, envelope, signal);
      case 'comment':
        return this.#note(key, finding, envelope, signal);
    }
  }

  async #close(key: string, finding: Finding, envelope: Envelope, signal: AbortSignal): Promise<DeliveryOutcome> {
    const { client, options, logger } = this.parts;
    const transitions = await client.transitions(key, signal);
    const toDone = transitions.filter((t) => t.toCategory === 'done');
    const chosen = options.done_transition ? byName(transitions, options.done_transition) : toDone[0];
    if (!chosen) {
      if (toDone.length === 0) {
        // Closed already (by a person, or by an earlier delivery of this event).
        logger.info({ finding: finding.id, issue: key }, 'issue already closed');
        return DELIVERED;
      }
      return { status: 'failed', reason: `transition "${options.done_transition}" is not offered for ${key} (offered: ${names(transitions)})` };
    }
    // Comment first: a retry after a failed transition repeats a comment rather than losing it.
    await client.addComment(key, statusComment(finding, envelope), signal);
    await client.transition(key, chosen.id, signal);
    logger.info({ finding: finding.id, issue: key, transition: chosen.name }, 'issue closed');
    return DELIVERED;
  }

  /** A status of `finding_status.reopen`: `reopen_transition` when the workflow offers it now, a comment always. */
  async #reopen(key: string, finding: Finding, envelope: Envelope, signal: AbortSignal): Promise<DeliveryOutcome> {
    const { client, options, logger } = this.parts;
    const chosen = options.reopen_transition ? byName(await client.transitions(key, signal), options.reopen_transition) : undefined;
    await client.addComment(key, statusComment(finding, envelope), signal);
    if (chosen) await client.transition(key, chosen.id, signal);
    logger.info({ finding: finding.id, issue: key, status: finding.newStatus, transition: chosen?.name }, chosen ? 'issue reopened' : 'finding reopened: noted on the issue');
    return DELIVERED;
  }

  /** Any other status (e.g. `in_progress`): a comment, the issue stays as it is. */
  async #note(key: string, finding: Finding, envelope: Envelope, signal: AbortSignal): Promise<DeliveryOutcome> {
    await this.parts.client.addComment(key, statusComment(finding, envelope), signal);
    this.parts.logger.info({ finding: finding.id, issue: key, status: finding.newStatus }, 'finding status noted on issue');
    return DELIVERED;
  }

  /** The finding's issue: from the map, else by its label (then remembered). */
  async #issueOf(findingId: string, signal: AbortSignal): Promise<string | undefined> {
    const { client, state, options } = this.parts;
    const mapped = await state.get(issueKey(findingId));
    if (mapped !== undefined) return mapped;
    const found = await client.findIssue(labelQuery(options.project, findingLabel(findingId)), signal);
    if (found !== undefined) await state.set(issueKey(findingId), found);
    return found;
  }

  #redacted(outcome: DeliveryOutcome): DeliveryOutcome {
    if (outcome.status === 'delivered') return outcome;
    const { redact } = this.parts;
    return { ...outcome, reason: redact(outcome.reason), ...(outcome.response !== undefined && { response: redact(outcome.response) }) };
  }
}

function issueKey(findingId: string): string {
  return `issue:${findingId}`;
}

/** Transition names are matched case-insensitively, as people type them in config. */
function byName(transitions: readonly JiraTransition[], name: string): JiraTransition | undefined {
  const wanted = name.toLowerCase();
  return transitions.find((t) => t.name.toLowerCase() === wanted);
}

function names(transitions: readonly JiraTransition[]): string {
  return transitions.map((t) => t.name).join(', ') || 'none';
}

/** A JiraError carries its classification; anything else (a store failure, an unreadable answer) is worth a retry. */
function outcomeOf(error: unknown): DeliveryOutcome {
  if (error instanceof JiraError) return error.outcome;
  return { status: 'retry', reason: error instanceof Error ? error.message : String(error) };
}
