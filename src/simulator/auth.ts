import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http-util.js';

/**
 * True when the request presents one of the keys, as a Bearer header or `?token=` (the stream's
 * two documented ways; the Scans API and progress stream are assumed to accept the same).
 */
export function isAuthorized(req: IncomingMessage, url: URL, apiKeys: ReadonlySet<string>): boolean {
  const key = bearerToken(req) ?? url.searchParams.get('token');
  return key !== null && apiKeys.has(key);
}

/** 401 without echoing the key that was presented. */
export function sendUnauthorized(res: ServerResponse): void {
  sendJson(res, 401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer' });
}

function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}
