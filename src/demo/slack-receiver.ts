import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from './listen.js';

/**
 * A Slack incoming-webhook look-alike on loopback, for the demo and the tests: one webhook URL
 * with a secret-looking path, Slack's plain-text answers (`ok`, `invalid_payload`, `no_text`,
 * `invalid_blocks`, `no_service`) and Block Kit's limits checked, so a message it takes is one
 * Slack would take. Failures can be scripted to exercise the bridge's retries.
 */
export interface SlackReceiverOptions {
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Appends each accepted message to this file as one JSON line. */
  readonly file?: string;
}

/** A scripted answer, e.g. `{ status: 429, body: 'rate_limited', headers: { 'retry-after': '2' } }`. */
export interface SlackScriptedAnswer {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface SlackReceiver {
  /** The webhook URL, e.g. `http://127.0.0.1:41234/services/T…/B…/…`: the connector's `webhook_url`. */
  readonly url: string;
  /** Accepted messages, oldest first, as posted. */
  messages(): unknown[];
  /** POSTs to the webhook, whatever their answer. */
  readonly requests: number;
  /** Answers the next `n` webhook POSTs with `answer` instead of taking them. */
  failNext(n: number, answer: SlackScriptedAnswer): void;
  close(): Promise<void>;
}

/** Block Kit's limits, as Slack enforces them for a message. */
const MAX_BLOCKS = 50;
const MAX_HEADER = 150;
const MAX_SECTION_TEXT = 3_000;
const MAX_FIELDS = 10;
const MAX_FIELD_TEXT = 2_000;
const MAX_CONTEXT_ELEMENTS = 10;

export async function startSlackReceiver(options: SlackReceiverOptions = {}): Promise<SlackReceiver> {
  const path = `/services/T${hex(4).toUpperCase()}/B${hex(4).toUpperCase()}/${hex(12)}`;
  const scripted: { remaining: number; answer: SlackScriptedAnswer }[] = [];
  const accepted: unknown[] = [];
  let requests = 0;
  const file: WriteStream | undefined = options.file ? createWriteStream(options.file, { flags: 'a' }) : undefined;

  const receive = async (req: IncomingMessage): Promise<SlackScriptedAnswer> => {
    const text = await readBody(req);
    if (req.method !== 'POST' || req.url !== path) return { status: 404, body: 'no_service' };
    requests += 1;
    const script = scripted[0];
    if (script) {
      if (--script.remaining <= 0) scripted.shift();
      return script.answer;
    }
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return { status: 400, body: 'invalid_payload' };
    }
    const error = slackMessageError(message);
    if (error) return { status: 400, body: error };
    accepted.push(message);
    file?.write(JSON.stringify(message) + '\n');
    return { status: 200, body: 'ok' };
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    receive(req)
      .then(({ status, body = '', headers }) => {
        res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(body);
      })
      .catch(() => res.destroy()); // the client went away mid-request
  };

  const server = createServer(handler);
  const hostPort = await listen(server, '127.0.0.1', options.port);

  return {
    url: `http://${hostPort}${path}`,
    messages: () => [...accepted],
    get requests() {
      return requests;
    },
    failNext(n, answer) {
      if (n > 0) scripted.push({ remaining: n, answer });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (file) await new Promise<void>((resolve) => file.end(resolve));
    },
  };
}

/** Slack's error name for a message it would refuse (`no_text`, `invalid_blocks`…); undefined when it would post it. */
export function slackMessageError(message: unknown): string | undefined {
  if (!isObject(message)) return 'invalid_payload';
  const { text, blocks, attachments } = message;
  if (text !== undefined && typeof text !== 'string') return 'invalid_payload';
  if (!text && !nonEmpty(blocks) && !nonEmpty(attachments)) return 'no_text';
  if (blocks !== undefined && !validBlocks(blocks)) return 'invalid_blocks';
  if (attachments === undefined) return undefined;
  if (!Array.isArray(attachments) || !attachments.every(isObject)) return 'invalid_attachments';
  return attachments.every((a) => a.blocks === undefined || validBlocks(a.blocks)) ? undefined : 'invalid_blocks';
}

function validBlocks(blocks: unknown): boolean {
  return Array.isArray(blocks) && blocks.length <= MAX_BLOCKS && blocks.every((block) => isObject(block) && validBlock(block));
}

function validBlock(block: Record<string, unknown>): boolean {
  switch (block.type) {
    case 'header':
      return isText(block.text, MAX_HEADER) && (block.text as Record<string, unknown>).type === 'plain_text';
    case 'section': {
      const { text, fields } = block;
      if (text === undefined && fields === undefined) return false;
      if (text !== undefined && !isText(text, MAX_SECTION_TEXT)) return false;
      return fields === undefined || (Array.isArray(fields) && fields.length <= MAX_FIELDS && fields.every((f) => isText(f, MAX_FIELD_TEXT)));
    }
    case 'context': {
      const { elements } = block;
      return Array.isArray(elements) && elements.length >= 1 && elements.length <= MAX_CONTEXT_ELEMENTS && elements.every((e) => isText(e, MAX_SECTION_TEXT));
    }
    default:
      return typeof block.type === 'string'; // other block types are taken as they are
  }
}

/** A text object: `plain_text` or `mrkdwn`, 1 to `max` characters. */
function isText(value: unknown, max: number): boolean {
  if (!isObject(value) || (value.type !== 'plain_text' && value.type !== 'mrkdwn')) return false;
  return typeof value.text === 'string' && value.text.length >= 1 && value.text.length <= max;
}

function nonEmpty(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}
