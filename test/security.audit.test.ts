import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error a plain .mjs script, without type declarations
import { assess } from '../scripts/audit.mjs';

/**
 * `npm run audit` against a registry on loopback that answers npm's bulk advisory request as
 * the npm registry does (or, like a mirror without it, with 405): the script's exit code is what
 * `.ci/run` acts on.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
type Answer = { status: number; body?: unknown };

async function bodyOf(request: IncomingMessage): Promise<Record<string, string[]>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  return JSON.parse((request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'));
}

describe('npm run audit (scripts/audit.mjs)', () => {
  let registry: Server;
  let registryUrl: string;
  let answer: Answer = { status: 200, body: {} };
  let asked: Record<string, string[]> | undefined;

  beforeAll(async () => {
    registry = createServer(async (request, response) => {
      if (request.method === 'POST' && request.url?.endsWith('/-/npm/v1/security/advisories/bulk')) {
        asked = await bodyOf(request);
        response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      } else {
        response.writeHead(404).end();
      }
    });
    registry.listen(0, '127.0.0.1');
    await once(registry, 'listening');
    registryUrl = `http://127.0.0.1:${(registry.address() as AddressInfo).port}/`;
  });
  afterAll(() => registry.close());

  function audit(): Promise<{ code: number; out: string }> {
    return new Promise((resolve) => {
      execFile('node', ['scripts/audit.mjs', `--registry=${registryUrl}`], { cwd: ROOT }, (error, stdout) =>
        resolve({ code: error ? Number(error.code) : 0, out: stdout }),
      );
    });
  }

  it('passes when the registry knows no advisory for the production dependencies, which it was asked about', async () => {
    answer = { status: 200, body: {} };
    const { code, out } = await audit();
    expect(out).toContain('audit: passed');
    expect(code).toBe(0);
    expect(Object.keys(asked ?? {})).toContain('undici');
    expect(Object.keys(asked ?? {})).not.toContain('axios'); // the benchmark's naive bridge only: a dev dependency
    expect(Object.keys(asked ?? {})).not.toContain('vitest'); // --omit=dev
  }, 60_000);

  it('fails on a high advisory that audit-exceptions.json does not excuse, naming it', async () => {
    answer = {
      status: 200,
      body: {
        undici: [{ id: 1, url: 'https://github.com/advisories/GHSA-test-high-0001', title: 'Test advisory', severity: 'high', vulnerable_versions: '<99.0.0', cwe: [], cvss: { score: 7.5 } }],
      },
    };
    const { code, out } = await audit();
    expect(out).toMatch(/high GHSA-test-high-0001 in undici .*Test advisory \(not excused\)/);
    expect(out).toContain('audit: FAILED: 1 high/critical');
    expect(code).toBe(1);
  }, 60_000);

  it('says NOT CHECKED, with exit code 2, when the registry has no advisory endpoint (405)', async () => {
    answer = { status: 405 };
    const { code, out } = await audit();
    expect(out).toMatch(/audit: NOT CHECKED: .*405/);
    expect(code).toBe(2);
  }, 60_000);
});

describe('audit exceptions', () => {
  const report = {
    vulnerabilities: {
      handlebars: {
        via: [
          { source: 2, name: 'handlebars', title: 'Critical one', url: 'https://github.com/advisories/GHSA-crit', severity: 'critical', range: '<5' },
          { source: 3, name: 'handlebars', title: 'Moderate one', url: 'https://github.com/advisories/GHSA-mod', severity: 'moderate', range: '<5' },
        ],
      },
      axios: { via: ['follow-redirects'] },
    },
  };

  it('excuses a documented advisory until its date, and only that one', () => {
    const found = assess(report, [{ advisory: 'GHSA-crit', reason: 'templates come from the operator only', until: '2027-01-31' }], '2026-12-03');
    expect(found).toEqual([expect.objectContaining({ advisory: 'GHSA-crit', severity: 'critical', excused: true })]);
  });

  it('no longer excuses it after that date', () => {
    const found = assess(report, [{ advisory: 'GHSA-crit', reason: 'r', until: '2026-12-01' }], '2026-12-03');
    expect(found).toEqual([expect.objectContaining({ advisory: 'GHSA-crit', excused: false })]);
  });
});
