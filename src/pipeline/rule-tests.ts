import type { RuleTestConfig } from '../config/rules.js';
import { decodeEvent } from './decode.js';
import type { Pipeline } from './pipeline.js';

export interface RuleTestResult {
  readonly name: string;
  /** Each expectation that did not hold; empty when the test passed. */
  readonly failures: readonly string[];
}

/** Runs one `tests:` entry: decodes its event as the stream would, evaluates it, checks `expect`. */
export function runRuleTest(pipeline: Pipeline, test: RuleTestConfig, now: number): RuleTestResult {
  const at = test.at ?? now;
  const decoded = decodeEvent({ id: test.event.id, type: test.event.type, data: JSON.stringify(test.event.data), receivedAt: at }, 'test');
  if (!decoded.ok) return { name: test.name, failures: [`the event would be set aside: ${decoded.malformed.reason}`] };
  const { envelope, verdicts } = pipeline.evaluate(decoded.envelope, at);
  const { expect } = test;
  const failures: string[] = [];
  if (expect.severity !== undefined && envelope.severity !== expect.severity) {
    const fired = envelope.rulesFired ? ` (rules fired: ${envelope.rulesFired.join(', ')})` : ' (no rule fired)';
    failures.push(`severity is ${envelope.severity ?? '(none)'}${fired}, expected ${expect.severity}`);
  }
  for (const verdict of verdicts) {
    const name = verdict.route.name;
    if (expect.routes.includes(name) && verdict.status !== 'matched') {
      const why = verdict.status === 'not matched' ? `failed ${verdict.failed}` : verdict.status === 'expired' ? 'its silence has expired' : `${verdict.stoppedBy} stopped the evaluation`;
      failures.push(`route ${name} did not match: ${why}`);
    }
    if (expect.notRoutes.includes(name) && verdict.status === 'matched') failures.push(`route ${name} matched, expected it not to`);
  }
  return { name: test.name, failures };
}
