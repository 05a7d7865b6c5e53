import type { ProxySetting } from '../../src/delivery/dispatcher.js';
import { HttpClient, type HttpAnswer } from '../../src/delivery/http-client.js';
import { toAdf, toWiki, type Doc } from './markup.js';
import { JiraError } from './response.js';

export type Deployment = 'cloud' | 'datacenter';

export interface JiraClientOptions {
  /** Site base URL without a trailing slash. */
  readonly url: string;
  readonly deployment: Deployment;
  /** The whole `Authorization` header value. */
  readonly authorization: string;
  /** PEM file of the CA(s) to trust instead of Node's built-in roots. */
  readonly caFile?: string;
  /** Accept any server certificate. @default false */
  readonly insecureSkipVerify?: boolean;
  readonly proxy?: ProxySetting;
  /** Masks the credentials in an error answer before it is cut to size and kept (a cut secret would escape masking). */
  readonly redact?: (text: string) => string;
}

/** How each deployment speaks: API version, search endpoint, rich-text format. */
const DIALECTS = {
  // Cloud removed the old `/search`; `/search/jql` returns issue ids only unless fields are asked for.
  cloud: { api: '/rest/api/3', search: '/search/jql', render: toAdf },
  datacenter: { api: '/rest/api/2', search: '/search', render: toWiki },
} as const satisfies Record<Deployment, { api: string; search: string; render: (doc: Doc) => unknown }>;

export interface NewIssue {
  readonly project: string;
  readonly issueType: string;
  readonly summary: string;
  /** Absent: the site's default priority. */
  readonly priority?: string;
  readonly labels: readonly string[];
  readonly description: Doc;
}

export interface JiraTransition {
  readonly id: string;
  readonly name: string;
  /** The target status's category key: `new`, `indeterminate` or `done`. */
  readonly toCategory?: string;
}

/**
 * The few Jira REST calls the connector makes, in the deployment's dialect, over the shared HTTP
 * client (src/delivery/http-client.ts). A call that does not succeed throws a classified
 * JiraError; deadlines come with the caller's signal (the delivery layer's `delivery.timeout`).
 */
export class JiraClient {
  readonly #api: string;
  readonly #dialect: (typeof DIALECTS)[Deployment];
  readonly #authorization: string;
  readonly #http: HttpClient;
  readonly #redact: (text: string) => string;

  constructor(options: JiraClientOptions) {
    this.#redact = options.redact ?? ((text) => text);
    this.#dialect = DIALECTS[options.deployment];
    this.#api = options.url + this.#dialect.api;
    this.#authorization = options.authorization;
    this.#http = new HttpClient({ caFile: options.caFile, insecureSkipVerify: options.insecureSkipVerify, proxy: options.proxy });
  }

  /** The key of the first issue `jql` matches, if any. */
  async findIssue(jql: string, signal: AbortSignal): Promise<string | undefined> {
    const reply = await this.#call('search', 'POST', this.#dialect.search, { jql, fields: ['status'], maxResults: 1 }, signal);
    const [issue] = arrayAt(reply, 'issues');
    return stringAt(issue, 'key') ?? stringAt(issue, 'id');
  }

  /** Creates the issue; returns its key. */
  async createIssue(issue: NewIssue, signal: AbortSignal): Promise<string> {
    const fields = {
      project: { key: issue.project },
      issuetype: { name: issue.issueType },
      summary: issue.summary,
      ...(issue.priority !== undefined && { priority: { name: issue.priority } }),
      labels: issue.labels,
      description: this.#dialect.render(issue.description),
    };
    const reply = await this.#call('create issue', 'POST', '/issue', { fields }, signal);
    const key = stringAt(reply, 'key');
    if (key === undefined) throw new Error('create issue: Jira answered without an issue key');
    return key;
  }

  async addComment(issueKey: string, body: Doc, signal: AbortSignal): Promise<void> {
    await this.#call(`comment on ${issueKey}`, 'POST', `${issuePath(issueKey)}/comment`, { body: this.#dialect.render(body) }, signal);
  }

  /** The transitions the issue's workflow offers from its current status. */
  async transitions(issueKey: string, signal: AbortSignal): Promise<JiraTransition[]> {
    const reply = await this.#call(`list transitions of ${issueKey}`, 'GET', `${issuePath(issueKey)}/transitions`, undefined, signal);
    return arrayAt(reply, 'transitions').flatMap((t) => {
      const id = stringAt(t, 'id');
      const name = stringAt(t, 'name');
      const toCategory = stringAt(objectAt(objectAt(t, 'to'), 'statusCategory'), 'key');
      return id !== undefined && name !== undefined ? [{ id, name, ...(toCategory !== undefined && { toCategory }) }] : [];
    });
  }

  async transition(issueKey: string, transitionId: string, signal: AbortSignal): Promise<void> {
    await this.#call(`transition ${issueKey}`, 'POST', `${issuePath(issueKey)}/transitions`, { transition: { id: transitionId } }, signal);
  }

  /** Checks the credentials (`/myself`) and that the project is visible to them. */
  async check(project: string, signal: AbortSignal): Promise<void> {
    await this.#call('check credentials', 'GET', '/myself', undefined, signal);
    await this.#call(`check project ${project}`, 'GET', `/project/${encodeURIComponent(project)}`, undefined, signal);
  }

  /** Destroys the pooled sockets (the delivery layer has stopped sending by then). */
  close(): Promise<void> {
    return this.#http.close();
  }

  /** One request; the parsed JSON reply (undefined when empty), or a JiraError. */
  async #call(step: string, method: 'GET' | 'POST', path: string, body: object | undefined, signal: AbortSignal): Promise<unknown> {
    const headers: Record<string, string> = { authorization: this.#authorization, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let answer: HttpAnswer;
    try {
      const request = { method, url: this.#api + path, headers, ...(body !== undefined && { body: JSON.stringify(body) }) };
      answer = await this.#http.send(request, signal);
    } catch (error) {
      throw JiraError.fromNetwork(step, error);
    }
    if (answer.status < 200 || answer.status >= 300) throw JiraError.fromAnswer(step, { ...answer, body: this.#redact(answer.body) });
    try {
      return answer.body === '' ? undefined : (JSON.parse(answer.body) as unknown);
    } catch {
      throw new Error(`${step}: Jira answered ${answer.status} with a body that is not JSON`);
    }
  }
}

function issuePath(issueKey: string): string {
  return `/issue/${encodeURIComponent(issueKey)}`;
}

function objectAt(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function stringAt(value: unknown, key: string): string | undefined {
  const found = objectAt(value, key);
  return typeof found === 'string' && found !== '' ? found : undefined;
}

function arrayAt(value: unknown, key: string): unknown[] {
  const found = objectAt(value, key);
  return Array.isArray(found) ? found : [];
}
