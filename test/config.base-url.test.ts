import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Bridge } from '../src/bridge.js';
import { ConfigError } from '../src/config/errors.js';
import { parseConfig } from '../src/config/load.js';
import { openStore } from '../src/store/open.js';
import { capturedLogger } from './helpers/captured-logger.js';

/** The API key travels with every request to source.base_url: plain http must be a decision, not a slip. */
const config = (source: string) =>
  parseConfig(
    `source:\n${source}\n  api_key: sk-live-4c1e9a77\nconnectors:\n  splunk: { type: splunk_hec, url: "https://splunk.example.com:8088", token: hec-token-12345678 }\nroutes:\n  - name: all\n    to: [splunk]\n`,
    'bridge.yaml',
    {},
  );

describe('source.base_url over plain http', () => {
  it('is refused to a host other than this one, saying why and how to allow it', () => {
    let error: unknown;
    try {
      config('  base_url: http://s4e.internal.example:8080');
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).issues).toEqual([
      expect.objectContaining({
        path: 'source.base_url',
        line: 2,
        message: 'plain http to s4e.internal.example:8080 would send the API key in clear text: use https, or set source.allow_insecure_http: true (warned at start)',
      }),
    ]);
  });

  it('is taken to loopback (a local simulator or tunnel), and https anywhere', () => {
    for (const url of ['http://localhost:8080', 'http://127.0.0.1:8080', 'http://127.8.0.1', 'http://[::1]:8080', 'https://s4e.internal.example']) {
      expect(config(`  base_url: ${url}`).source.insecureHttp, url).toBe(false);
    }
  });

  it('is taken elsewhere with allow_insecure_http, and every start says the key crosses the network in clear text', async () => {
    const allowed = config('  base_url: http://s4e.internal.example:8080\n  allow_insecure_http: true');
    expect(allowed.source.insecureHttp).toBe(true);
    const { lines, logger } = capturedLogger();
    const store = await openStore({ ...allowed.store, path: mkdtempSync(join(tmpdir(), 's4e-insecure-')) }, logger);
    // Nothing may leave this machine: the stream's requests wait, unanswered, until the stop aborts them.
    const fetch = ((_url: unknown, init?: RequestInit) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)))) as typeof globalThis.fetch;
    const bridge = new Bridge({ config: { ...allowed, server: { ...allowed.server, enabled: false } }, store, logger, fetch });
    bridge.start();
    await bridge.stop(100);
    await store.close();
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'warn', baseUrl: 'http://s4e.internal.example:8080', msg: expect.stringContaining('plain http: the API key crosses the network in clear text') }),
    );
  });
});
