#!/usr/bin/env -S node --max-old-space-size=1536
// With a heap cap under 2 GB, V8 collects at about 1.8× the live heap instead of 4×: about 165 MB
// of RSS under a firehose instead of 220+. Why this value: README, Performance.
import { Command, CommanderError, Option } from 'commander';
import { ConfigError } from '../config/errors.js';
import { secretsLoaded } from '../config/load.js';
import { formatDuration } from '../config/units.js';
import { createRedactor } from '../observability/redact.js';
import { backfillCommand } from './commands/backfill.js';
import { demoCommand } from './commands/demo.js';
import { dlqDropCommand, dlqListCommand, dlqReplayCommand } from './commands/dlq.js';
import { gapsAckCommand, gapsListCommand } from './commands/gaps.js';
import { runCommand } from './commands/run.js';
import { schemaCommand } from './commands/schema.js';
import { simulateCommand } from './commands/simulate.js';
import { statusCommand } from './commands/status.js';
import { testCommand } from './commands/test.js';
import { testRouteCommand } from './commands/test-route.js';
import { validateCommand } from './commands/validate.js';
import { durationMs, listenAddress, wholeNumber } from './args.js';
import { EXIT } from './exit.js';

const program = new Command('s4e-bridge')
  .description('Reliable delivery of S4E security platform events into Splunk HEC, CEF/syslog, Slack and Jira.')
  .version('0.1.0')
  .exitOverride()
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText('after', `\nExit codes: ${EXIT.ok} ok, ${EXIT.failure} runtime failure or a failed test, ${EXIT.usage} bad config or usage, ${EXIT.interrupted} a stop cut short by a second signal.`);

/** A duration flag whose default --help shows as the config writes it (`30s`, not 30000). */
const durationOption = (flags: string, description: string, defaultMs: number) =>
  new Option(flags, description).argParser(durationMs).default(defaultMs, formatDuration(defaultMs));

const configOption = () => new Option('-c, --config <file>', 'the bridge config (YAML)').makeOptionMandatory().env('S4E_BRIDGE_CONFIG');

program
  .command('run')
  .description('hold the subscriptions and deliver events until stopped (SIGTERM/SIGINT); SIGHUP reloads the rules and routes')
  .addOption(configOption())
  .addOption(new Option('--log-level <level>', 'override log.level').choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal']))
  .addOption(new Option('--log-format <format>', 'override log.format').choices(['json', 'pretty']))
  .addOption(new Option('--listen <host:port>', 'override server.listen (the image sets 0.0.0.0:9464)').env('S4E_BRIDGE_LISTEN').argParser(listenAddress))
  .action(runCommand);

program
  .command('validate')
  .description('check a config file: syntax, types, references, tier budget; exits 2 on a problem')
  .addOption(configOption())
  .action(validateCommand);

program
  .command('backfill')
  .description('fetch the findings of scans finished in the last --since from the Scans API and deliver those not delivered yet, marked backfilled')
  .addOption(configOption())
  .requiredOption('--since <duration>', 'how far back, e.g. 2h', durationMs)
  .option('--json', 'print the totals as JSON')
  .action(backfillCommand);

program
  .command('test-route')
  .description('show what the rules make of one event: severity, each route, what each connector would send; sends nothing')
  .addOption(configOption())
  .requiredOption('-e, --event <file>', 'the event: JSON {"type", "data"} or a raw SSE block; - reads standard input')
  .option('--at <time>', 'evaluate at this ISO-8601 time (silences), instead of now')
  .option('--json', 'print JSON, for scripts')
  .action(testRouteCommand);

program
  .command('test')
  .description("run the config's tests: (event in, expected severity and routes out); exits 1 when one fails")
  .addOption(configOption())
  .action(testCommand);

program
  .command('status')
  .description("an operator's view: checkpoints, outbox backlogs and dead letters from the store; subscription and circuit states from the running bridge")
  .addOption(configOption())
  .option('--json', 'print JSON, for scripts')
  .option('--endpoint <url>', "the running bridge's operations endpoint (default: server.listen, on this host)")
  .action(statusCommand);

const endpointOption = () =>
  new Option('--endpoint <url>', "ask the bridge running there (needs server.token); default: the store itself, or the bridge on this host that holds it");

const dlq = program
  .command('dlq')
  .description('dead letters: events a connector could not deliver; list them, replay them once the cause is fixed, or drop them');
dlq
  .command('list')
  .description('show the newest dead letters: ref, time, connector, event, reason, attempts')
  .addOption(configOption())
  .addOption(endpointOption())
  .option('--connector <name>', 'only this connector (default: every connector of the config)')
  .option('--limit <n>', 'how many to show, newest first', wholeNumber, 50)
  .option('--json', 'JSON for scripts (counts, full reason, last response, event)')
  .action(dlqListCommand);
dlq
  .command('replay')
  .description('move dead letters back into their outbox to be delivered again: all, by connector, or by id')
  .addOption(configOption())
  .addOption(endpointOption())
  .option('--connector <name>', 'only this connector')
  .option('--id <ref...>', 'only these dead letters (REF column of dlq list; needs --connector when several are configured)')
  .option('--json', 'print the counts as JSON')
  .action(dlqReplayCommand);
dlq
  .command('drop')
  .description('delete dead letters for good')
  .addOption(configOption())
  .addOption(endpointOption())
  .option('--connector <name>', "this connector's dead letters")
  .option('--id <ref...>', 'only these dead letters (needs --connector when several are configured)')
  .option('--all', "every connector's dead letters")
  .option('--json', 'print the counts as JSON')
  .action(dlqDropCommand);

const gaps = program
  .command('gaps')
  .description('gaps: times when events may have been missed (a checkpoint older than the replay buffer); list them, acknowledge them');
gaps
  .command('list')
  .description('show the open gaps: subscription, missed from, missed until, backfill')
  .addOption(configOption())
  .addOption(endpointOption())
  .option('--json', 'print JSON, for scripts')
  .action(gapsListCommand);
gaps
  .command('ack')
  .description('acknowledge open gaps: they leave status, /readyz and s4e_bridge_gap_open')
  .addOption(configOption())
  .addOption(endpointOption())
  .option('--subscription <name...>', "only these subscriptions' gaps (default: all)")
  .option('--json', 'print JSON, for scripts')
  .action(gapsAckCommand);

program
  .command('schema')
  .description('print the config file\'s JSON Schema, for editors that complete and check the YAML (schema/config.schema.json is a copy)')
  .action(schemaCommand);

program
  .command('simulate')
  .description('run an S4E-compatible event stream server (for trying the bridge, tests and benchmarks)')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--port <port>', 'port to listen on', wholeNumber, 8080)
  .option('--api-key <key...>', 'accepted API keys', ['sim-key'])
  .option('--rate <events/s>', 'generated events per second', wholeNumber, 10)
  .addOption(new Option('--tier <tier>', 'connection limit of this tier').choices(['standard', 'premium', 'enterprise']).default('standard'))
  .addOption(durationOption('--heartbeat <duration>', 'heartbeat interval', 30_000))
  .addOption(durationOption('--replay-window <duration>', 'how long events stay replayable', 300_000))
  .option('--assumed-fields', 'an assumption: also send fields the documents do not list (timestamps, CVSS, a status change\'s finding fields…)', false)
  .addHelpText('after', '\nControl endpoints (POST /_sim/events and others, no authentication): README, "The simulator".')
  .action(simulateCommand);

program
  .command('demo')
  .description('simulator + bridge + local stand-ins for Splunk HEC, a syslog SIEM, Slack and Jira, on this machine, with live counts, until Ctrl-C')
  .option('--rate <events/s>', 'simulated events per second', wholeNumber, 50)
  .option('--duration <duration>', 'stop by itself after this long, e.g. 30s (default: run until Ctrl-C)', durationMs)
  .option('--dir <dir>', "where the receivers write what they get, beside the bridge's config, log and embedded store", '.demo')
  .action(demoCommand);

try {
  await program.parseAsync();
} catch (error) {
  process.exitCode = exitCodeOf(error);
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (error instanceof ConfigError) {
    console.error(error.message);
    return EXIT.usage;
  }
  console.error(createRedactor(secretsLoaded())(`s4e-bridge: ${(error as Error).message ?? String(error)}`));
  return EXIT.failure;
}
