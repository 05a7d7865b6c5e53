import { Pipeline } from '../../pipeline/pipeline.js';
import { runRuleTest } from '../../pipeline/rule-tests.js';
import { EXIT } from '../exit.js';
import { loadOffline } from '../offline.js';

/** Runs the config's `tests:`; exits 1 when one fails, so CI can hold the routing to them. */
export function testCommand(options: { config: string }): void {
  const config = loadOffline(options.config);
  if (config.tests.length === 0) {
    console.log(`${options.config}: no tests: (add a tests: list to check the rules)`);
    return;
  }
  const pipeline = new Pipeline(config);
  const now = Date.now();
  const connectors = new Set(config.connectors.map((c) => c.name));
  const results = config.tests.map((test) => runRuleTest(pipeline, test, now, connectors));
  for (const result of results) {
    console.log(`${result.failures.length === 0 ? 'ok  ' : 'FAIL'}  ${result.name}`);
    for (const failure of result.failures) console.log(`        ${failure}`);
  }
  const failed = results.filter((r) => r.failures.length > 0).length;
  console.log(`rule tests: ${results.length - failed} passed, ${failed} failed`);
  if (failed > 0) process.exitCode = EXIT.failure;
}
