import type { RuleTestConfig } from '../config/rules.js';
import { decodeEvent, type Decoded } from './decode.js';
import { FindingMemory } from './lifecycle.js';
import { deliveredBy, targetsOf, type Pipeline } from './pipeline.js';

export interface RuleTestResult {
  readonly name: string;
  /** Each expectation that did not hold; empty when the test passed. */
  readonly failures: readonly string[];
}

/**
 * Runs one `tests:` entry: routes its `after` events, then decodes its event as the stream would,
 * tells it with what they left (as `run` does with the store's finding state), evaluates it and
 * checks `expect`. `connectors`: the connectors the bridge runs, those a status change may follow its finding to.
 */
export function runRuleTest(pipeline: Pipeline, test: RuleTestConfig, now: number, connectors: ReadonlySet<string>): RuleTestResult {
  const at = test.at ?? now;
  const decode = (event: RuleTestConfig['event'], index?: number): Decoded =>
    decodeEvent({ id: index === undefined ? event.id : `${event.id}-${index + 1}`, type: event.type, data: JSON.stringify(event.data), receivedAt: at }, 'test');
  const findings = new FindingMemory();
  for (const [i, before] of (test.after ?? []).entries()) {
    const decoded = decode(before, i);
    if (!decoded.ok) return { name: test.name, failures: [`after[${i}] would be set aside: ${decoded.malformed.reason}`] };
    const prepared = findings.prepare(decoded.envelope);
    const routed = pipeline.evaluate(prepared, at);
    findings.record(prepared, routed.envelope, deliveredBy(routed));
  }
  const decoded = decode(test.event);
  if (!decoded.ok) return { name: test.name, failures: [`the event would be set aside: ${decoded.malformed.reason}`] };
  const evaluation = pipeline.evaluate(findings.prepare(decoded.envelope), at);
  const { envelope, verdicts } = evaluation;
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
  const reached = new Set([...targetsOf(evaluation).connectors, ...findings.followers(envelope, pipeline.rules.routes, connectors)]);
  for (const name of expect.connectors) if (!reached.has(name)) failures.push(`connector ${name} is not reached`);
  for (const name of expect.notConnectors) if (reached.has(name)) failures.push(`connector ${name} is reached, expected it not to be`);
  return { name: test.name, failures };
}
