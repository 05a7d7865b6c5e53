import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadOffline } from '../src/cli/offline.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { runRuleTest } from '../src/pipeline/rule-tests.js';

const EXAMPLE = fileURLToPath(new URL('../config.example.yaml', import.meta.url));

describe('config.example.yaml', () => {
  const config = loadOffline(EXAMPLE);

  it('validates, with rules, routes and tests, and nothing to warn about', () => {
    expect(config.severityRules.length).toBeGreaterThan(0);
    expect(config.tests.length).toBeGreaterThan(0);
    expect(config.warnings).toEqual([]);
  });

  it('passes its own tests', () => {
    const pipeline = new Pipeline(config);
    const connectors = new Set(config.connectors.map((c) => c.name));
    const failed = config.tests.map((test) => runRuleTest(pipeline, test, Date.now(), connectors)).filter((r) => r.failures.length > 0);
    expect(failed).toEqual([]);
  });
});
