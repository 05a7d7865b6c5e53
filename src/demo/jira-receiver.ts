import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listen } from './listen.js';

/**
 * A Jira look-alike on loopback, for the demo and the tests: just the REST calls the `jira`
 * connector makes, in the Cloud (v3, ADF, Basic email:token) or the Data Center (v2, wiki
 * markup, Bearer PAT) dialect, with Jira's status codes and `{errorMessages, errors}` bodies.
 * Cloud's eventually consistent search can be simulated (`searchLagMs`), and failures scripted.
 */
export interface JiraReceiverOptions {
  readonly deployment: 'cloud' | 'datacenter';
  /** The API token (Cloud, with `email`) or personal access token (Data Center) accepted. */
  readonly token: string;
  /** The Cloud account email. @default 'bridge@example.com' */
  readonly email?: string;
  /** The one project that exists. @default 'SEC' */
  readonly project?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Appends each change (create, comment, transition) to this file as one JSON line. */
  readonly file?: string;
  /** New issues stay invisible to JQL search this long, as Cloud's index lags. @default 0 */
  readonly searchLagMs?: number;
}

export interface JiraIssueRecord {
  readonly key: string;
  readonly fields: Readonly<Record<string, unknown>>;
  /** Comment bodies as sent: ADF documents (Cloud) or wiki-markup strings (Data Center). */
  readonly comments: readonly unknown[];
  /** Current status name, e.g. `To Do`. */
  readonly status: string;
}

export interface JiraRequestRecord {
  readonly method: string;
  /** Without the query string. */
  readonly path: string;
  /** Parsed JSON body; undefined when there was none. */
  readonly body: unknown;
}

/** A scripted answer; `body` objects are sent as JSON. */
export interface JiraScriptedAnswer {
  readonly status: number;
  readonly body?: string | object;
  readonly headers?: Readonly<Record<string, string>>;
  /** Only requests to exactly `METHOD /path`, e.g. `POST /rest/api/3/issue`. @default every request */
  readonly on?: string;
  /** Carry the request out, then answer this instead: an answer lost on the way back. @default false */
  readonly processed?: boolean;
}

export interface JiraReceiver {
  /** Base URL, e.g. `http://127.0.0.1:41234`: the connector's `url`. */
  readonly url: string;
  issues(): JiraIssueRecord[];
  /** Every request, whatever its answer, oldest first. */
  requests(): JiraRequestRecord[];
  /** Answers the next `n` matching requests with `answer`. */
  failNext(n: number, answer: JiraScriptedAnswer): void;
  close(): Promise<void>;
}

type Category = 'new' | 'indeterminate' | 'done';

/** The workflow: To Do → In Progress → Done (or Won't Do), Done → Reopened. */
const STATUSES: Readonly<Record<string, { id: string; category: Category }>> = {
  'To Do': { id: '10000', category: 'new' },
  'In Progress': { id: '3', category: 'indeterminate' },
  Done: { id: '10001', category: 'done' },
  "Won't Do": { id: '10002', category: 'done' },
  Reopened: { id: '4', category: 'new' },
};
const CATEGORY_IDS: Readonly<Record<Category, number>> = { new: 2, indeterminate: 4, done: 3 };
const TRANSITIONS: readonly { id: string; name: string; from: readonly string[]; to: string }[] = [
  { id: '11', name: 'Start Progress', from: ['To Do', 'Reopened'], to: 'In Progress' },
  { id: '21', name: 'Done', from: ['To Do', 'In Progress', 'Reopened'], to: 'Done' },
  { id: '31', name: "Won't Do", from: ['To Do', 'In Progress', 'Reopened'], to: "Won't Do" },
  { id: '41', name: 'Reopen', from: ['Done', "Won't Do"], to: 'Reopened' },
];
const ISSUE_TYPES = new Set(['Bug', 'Task', 'Story']);
const PRIORITIES = new Set(['Highest', 'High', 'Medium', 'Low', 'Lowest']);

interface StoredIssue {
  readonly id: string;
  readonly key: string;
  readonly fields: Record<string, unknown>;
  readonly comments: unknown[];
  status: string;
  /** When search starts to see it. */
  readonly searchableAt: number;
}

interface Reply {
  readonly status: number;
  readonly body?: object | string;
  readonly headers?: Readonly<Record<string, string>>;
}

const errors = (status: number, errorMessages: string[], fieldErrors: Record<string, string> = {}): Reply => ({
  status,
  body: { errorMessages, errors: fieldErrors },
});
const NOT_FOUND = errors(404, ['Issue does not exist or you do not have permission to see it.']);

export async function startJiraReceiver(options: JiraReceiverOptions): Promise<JiraReceiver> {
  const cloud = options.deployment === 'cloud';
  const api = cloud ? '/rest/api/3' : '/rest/api/2';
  const project = options.project ?? 'SEC';
  const searchLagMs = options.searchLagMs ?? 0;
  const expectedAuth = cloud
    ? `Basic ${Buffer.from(`${options.email ?? 'bridge@example.com'}:${options.token}`).toString('base64')}`
    : `Bearer ${options.token}`;
  const issues = new Map<string, StoredIssue>();
  const requests: JiraRequestRecord[] = [];
  const scripted: { remaining: number; answer: JiraScriptedAnswer }[] = [];
  const file: WriteStream | undefined = options.file ? createWriteStream(options.file, { flags: 'a' }) : undefined;
  const record = (change: object) => file?.write(`${JSON.stringify({ at: new Date().toISOString(), ...change })}\n`);

  const richText = (value: unknown): boolean => (cloud ? isAdfDoc(value) : typeof value === 'string' && value.trim() !== '');
  const richTextError = cloud ? 'Operation value must be an Atlassian Document (see the Atlassian Document Format)' : 'Operation value must be a string';

  const create = (body: unknown): Reply => {
    const fields = objectOf(objectOf(body).fields);
    const problems: Record<string, string> = {};
    if (objectOf(fields.project).key !== project) problems.project = 'valid project is required';
    if (!ISSUE_TYPES.has(objectOf(fields.issuetype).name as string)) problems.issuetype = 'Specify a valid issue type';
    const summary = fields.summary;
    if (typeof summary !== 'string' || summary.trim() === '') problems.summary = 'You must specify a summary of the issue.';
    else if (summary.length > 255) problems.summary = 'Summary must be less than 255 characters.';
    else if (/[\r\n]/.test(summary)) problems.summary = 'The summary is invalid because it contains newline characters.';
    if (fields.priority !== undefined && !PRIORITIES.has(objectOf(fields.priority).name as string)) {
      problems.priority = "Specify a valid 'id' or 'name' for Priority";
    }
    const labels = fields.labels ?? [];
    const badLabel = Array.isArray(labels) ? labels.find((l) => typeof l !== 'string' || !/^\S{1,255}$/.test(l)) : labels;
    if (badLabel !== undefined) problems.labels = `The label '${String(badLabel)}' contains spaces which is invalid.`;
    if (fields.description !== undefined && !richText(fields.description)) problems.description = richTextError;
    if (Object.keys(problems).length > 0) return errors(400, [], problems);
    const id = String(10_000 + issues.size + 1);
    const key = `${project}-${issues.size + 1}`;
    issues.set(key, { id, key, fields, comments: [], status: 'To Do', searchableAt: Date.now() + searchLagMs });
    record({ action: 'create', key, fields });
    return { status: 201, body: { id, key, self: `${api}/issue/${id}` } };
  };

  const search = (body: unknown): Reply => {
    const { jql, fields, maxResults } = objectOf(body);
    if (typeof jql !== 'string') return errors(400, ['The JQL query is required.']);
    let clauses: JqlClause[];
    try {
      clauses = parseJql(jql);
    } catch (error) {
      return errors(400, [`Error in the JQL Query: ${(error as Error).message}`]);
    }
    const now = Date.now();
    const limit = typeof maxResults === 'number' ? maxResults : 50;
    const wanted = Array.isArray(fields) ? fields : cloud ? [] : ['*all'];
    const found = [...issues.values()]
      .filter((issue) => issue.searchableAt <= now && clauses.every((c) => matches(issue, c)))
      .slice(0, limit)
      .map((issue) => shown(issue, wanted));
    return { status: 200, body: cloud ? { issues: found, isLast: true } : { startAt: 0, maxResults: limit, total: found.length, issues: found } };
  };

  const shown = (issue: StoredIssue, wanted: readonly unknown[]) => {
    // Cloud's /search/jql returns ids only unless fields are asked for.
    if (wanted.length === 0) return { id: issue.id };
    const all = wanted.includes('*all');
    const fields: Record<string, unknown> = {};
    for (const [name, value] of Object.entries({ ...issue.fields, status: statusOf(issue.status) })) {
      if (all || wanted.includes(name)) fields[name] = value;
    }
    return { id: issue.id, key: issue.key, self: `${api}/issue/${issue.id}`, fields };
  };

  const comment = (issue: StoredIssue, body: unknown): Reply => {
    const text = objectOf(body).body;
    if (!richText(text)) return errors(400, [], { comment: cloud ? richTextError : 'Comment body can not be empty!' });
    issue.comments.push(text);
    record({ action: 'comment', key: issue.key, body: text });
    return { status: 201, body: { id: String(issue.comments.length), body: text, created: new Date().toISOString() } };
  };

  const transitions = (issue: StoredIssue): Reply => ({
    status: 200,
    body: {
      expand: 'transitions',
      transitions: TRANSITIONS.filter((t) => t.from.includes(issue.status)).map((t) => ({ id: t.id, name: t.name, to: statusOf(t.to) })),
    },
  });

  const transition = (issue: StoredIssue, body: unknown): Reply => {
    const id = objectOf(objectOf(body).transition).id;
    const chosen = TRANSITIONS.find((t) => t.id === id && t.from.includes(issue.status));
    if (!chosen) return errors(400, [`Transition id '${String(id)}' is not valid for this issue.`]);
    record({ action: 'transition', key: issue.key, from: issue.status, to: chosen.to });
    issue.status = chosen.to;
    return { status: 204 };
  };

  const route = (method: string, path: string, body: unknown): Reply => {
    if (!path.startsWith(`${api}/`)) return errors(404, ['Not found']);
    const rest = path.slice(api.length);
    if (method === 'POST' && rest === '/issue') return create(body);
    if (method === 'POST' && rest === (cloud ? '/search/jql' : '/search')) return search(body);
    if (cloud && rest === '/search') return errors(410, ['The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.']);
    if (method === 'GET' && rest === '/myself') return { status: 200, body: { accountId: 'bridge', displayName: 's4e-bridge', active: true } };
    const projectMatch = /^\/project\/([^/]+)$/.exec(rest);
    if (method === 'GET' && projectMatch) {
      return decodeURIComponent(projectMatch[1]!) === project ? { status: 200, body: { id: '10000', key: project, name: project } } : errors(404, [`No project could be found with key '${projectMatch[1]}'.`]);
    }
    const issueMatch = /^\/issue\/([^/]+)\/(comment|transitions)$/.exec(rest);
    if (!issueMatch) return errors(404, ['Not found']);
    const issue = issues.get(decodeURIComponent(issueMatch[1]!)) ?? [...issues.values()].find((i) => i.id === issueMatch[1]);
    if (!issue) return NOT_FOUND;
    if (issueMatch[2] === 'comment' && method === 'POST') return comment(issue, body);
    if (issueMatch[2] === 'transitions' && method === 'GET') return transitions(issue);
    if (issueMatch[2] === 'transitions' && method === 'POST') return transition(issue, body);
    return { status: 405, body: '' };
  };

  const answer = (req: IncomingMessage, text: string): Reply => {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0]!;
    let body: unknown;
    let unreadable = false;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      unreadable = true;
    }
    requests.push({ method, path, body });
    const script = scripted.find((s) => s.answer.on === undefined || s.answer.on === `${method} ${path}`);
    if (script) {
      if (--script.remaining <= 0) scripted.splice(scripted.indexOf(script), 1);
      if (script.answer.processed) handle(req, method, path, body, unreadable);
      const { status, body: scriptedBody = '', headers } = script.answer;
      return { status, body: scriptedBody, ...(headers && { headers }) };
    }
    return handle(req, method, path, body, unreadable);
  };

  const handle = (req: IncomingMessage, method: string, path: string, body: unknown, unreadable: boolean): Reply => {
    if (req.headers.authorization !== expectedAuth) return errors(401, ['You are not authenticated. Authentication required to perform this operation.']);
    if (unreadable) return errors(400, ['Unexpected character in the request body: it is not JSON.']);
    return route(method, path, body);
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = answer(req, Buffer.concat(chunks).toString('utf8'));
      const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status, { ...(body !== '' && { 'content-type': 'application/json' }), ...reply.headers }).end(body);
    });
  });
  const hostPort = await listen(server, options.host, options.port);

  return {
    url: `http://${hostPort}`,
    issues: () => [...issues.values()].map(({ key, fields, comments, status }) => ({ key, fields, comments: [...comments], status })),
    requests: () => [...requests],
    failNext(n, scriptedAnswer) {
      if (n > 0) scripted.push({ remaining: n, answer: scriptedAnswer });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (file) await new Promise<void>((resolve) => file.end(resolve));
    },
  };
}

function statusOf(name: string) {
  const { id, category } = STATUSES[name]!;
  return { id, name, statusCategory: { id: CATEGORY_IDS[category], key: category } };
}

function objectOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Enough of ADF to catch a wiki string sent to Cloud, or an empty text node (which Jira rejects). */
function isAdfDoc(value: unknown): boolean {
  const doc = objectOf(value);
  return doc.type === 'doc' && doc.version === 1 && Array.isArray(doc.content) && doc.content.every(isAdfNode);
}

function isAdfNode(value: unknown): boolean {
  const node = objectOf(value);
  if (typeof node.type !== 'string') return false;
  if (node.type === 'text') return typeof node.text === 'string' && node.text !== '';
  return node.content === undefined || (Array.isArray(node.content) && node.content.every(isAdfNode));
}

interface JqlClause {
  readonly field: 'project' | 'labels';
  readonly value: string;
}

function matches(issue: StoredIssue, clause: JqlClause): boolean {
  if (clause.field === 'project') return issue.key.startsWith(`${clause.value}-`);
  const labels = issue.fields.labels;
  return Array.isArray(labels) && labels.includes(clause.value);
}

/**
 * The JQL this mock understands: `field = value` clauses joined by AND, where field is
 * `project` or `labels` and value is a bare word or a quoted string (`"…"` or `'…'`, with JQL's
 * escapes, refusing raw control characters as Jira does). A quoted value is one literal
 * whatever it holds, as in Jira, so an injection attempt inside it stays a value. Anything
 * else is an error.
 */
export function parseJql(jql: string): JqlClause[] {
  const tokens = tokenize(jql);
  const clauses: JqlClause[] = [];
  let i = 0;
  const next = (what: string) => {
    const token = tokens[i++];
    if (token === undefined) throw new Error(`expected ${what} at the end of the query`);
    return token;
  };
  for (;;) {
    const field = next('a field');
    if (field.quoted || !['project', 'labels'].includes(field.text.toLowerCase())) throw new Error(`the field '${field.text}' is not supported`);
    const operator = next("'='");
    if (operator.quoted || operator.text !== '=') throw new Error(`expected '=' after ${field.text}, got '${operator.text}'`);
    const value = next('a value');
    clauses.push({ field: field.text.toLowerCase() as JqlClause['field'], value: value.text });
    if (i === tokens.length) return clauses;
    const joiner = next("'AND'");
    if (joiner.quoted || joiner.text.toUpperCase() !== 'AND') throw new Error(`expected AND, got '${joiner.text}'`);
  }
}

/** JQL's escapes in a quoted string: `\uXXXX`, `\t`, `\n`, `\r`, and a quote, backslash or space as itself. */
const JQL_ESCAPE = /^(?:u([0-9a-fA-F]{4})|[tnr"'\\ ])/;
const SHORT_ESCAPES: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r' };
/** What Jira's JQL grammar refuses raw in a quoted string: controls (line breaks included) and noncharacters. */
const RESERVED_IN_STRINGS = /[\u0000-\u001f\u007f-\u009f\ufdd0-\ufdef\ufffe\uffff]/;

function tokenize(jql: string): { text: string; quoted: boolean }[] {
  const tokens: { text: string; quoted: boolean }[] = [];
  let i = 0;
  while (i < jql.length) {
    const c = jql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === "'") {
      let text = '';
      i++;
      for (;;) {
        if (i >= jql.length) throw new Error('unterminated string');
        const d = jql[i++]!;
        if (d === c) break;
        if (d === '\\') {
          const escape = JQL_ESCAPE.exec(jql.slice(i));
          if (!escape) throw new Error(`illegal escape sequence at position ${i - 1}`);
          text += escape[1] ? String.fromCharCode(parseInt(escape[1], 16)) : (SHORT_ESCAPES[escape[0]] ?? escape[0]);
          i += escape[0].length;
        } else if (RESERVED_IN_STRINGS.test(d)) {
          throw new Error(`the character at position ${i - 1} (U+${d.charCodeAt(0).toString(16).padStart(4, '0')}) must be escaped`);
        } else {
          text += d;
        }
      }
      tokens.push({ text, quoted: true });
    } else if (c === '=') {
      tokens.push({ text: c, quoted: false });
      i++;
    } else {
      const word = /^[^\s"'=]+/.exec(jql.slice(i))![0];
      tokens.push({ text: word, quoted: false });
      i += word.length;
    }
  }
  return tokens;
}
