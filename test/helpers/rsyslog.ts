import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from './redis-server.js';

/**
 * Debian's rsyslog (rsyslogd), with imrelp (rsyslog-relp) and the gtls stream driver
 * (rsyslog-gnutls): a real receiver for the syslog tests. .ci/run installs them; tests skip,
 * saying so, where they are missing.
 */
export const rsyslogMissing: string | undefined = (() => {
  const install = '(apt-get install rsyslog rsyslog-relp rsyslog-gnutls)';
  try {
    execFileSync('rsyslogd', ['-v'], { stdio: 'ignore' });
  } catch {
    return `rsyslogd is not installed ${install}`;
  }
  // Its modules live in /usr/lib/<multiarch>/rsyslog on Debian.
  const dirs = ['/usr/lib/rsyslog', ...readdirSync('/usr/lib').map((d) => join('/usr/lib', d, 'rsyslog'))];
  const modules = ['imrelp.so', 'lmnsd_gtls.so'].filter((m) => !dirs.some((d) => existsSync(join(d, m))));
  return modules.length > 0 ? `rsyslog's ${modules.join(' and ')} are not installed ${install}` : undefined;
})();

export type RsyslogInput = 'tcp' | 'tls' | 'relp';

export interface RsyslogOptions {
  /** Where its config, work directory and output files go. */
  readonly dir: string;
  readonly inputs: readonly RsyslogInput[];
  /** For `tls`: the server's key and certificate files and the CA (gtls, anonymous clients). */
  readonly tls?: { readonly caFile: string; readonly certFile: string; readonly keyFile: string };
}

export interface Rsyslog {
  /** The port of each input, the same across restarts. */
  readonly ports: Readonly<Partial<Record<RsyslogInput, number>>>;
  /** The messages (MSG part onwards as received, one per line) each input wrote to its file so far. */
  lines(input: RsyslogInput): string[];
  /** SIGTERM (rsyslog's own clean shutdown), wait for the exit, start again on the same ports. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Each input writes `%rawmsg%` (the record as received, framing removed) to `<input>.log`. */
function config(options: RsyslogOptions, ports: Partial<Record<RsyslogInput, number>>, work: string): string {
  const { tls } = options;
  const lines = [
    `global(workDirectory="${work}" maxMessageSize="64k"${tls ? ` defaultNetstreamDriverCAFile="${tls.caFile}" defaultNetstreamDriverCertFile="${tls.certFile}" defaultNetstreamDriverKeyFile="${tls.keyFile}"` : ''})`,
    'template(name="raw" type="string" string="%rawmsg%\\n")',
  ];
  const tcp = options.inputs.filter((i) => i !== 'relp');
  if (tcp.length > 0) lines.push('module(load="imtcp" maxSessions="100")');
  if (options.inputs.includes('relp')) lines.push('module(load="imrelp")');
  for (const input of options.inputs) {
    const common = `port="${ports[input]}" address="127.0.0.1" ruleset="${input}"`;
    if (input === 'tcp') lines.push(`input(type="imtcp" ${common})`);
    if (input === 'tls') lines.push(`input(type="imtcp" ${common} streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")`);
    if (input === 'relp') lines.push(`input(type="imrelp" ${common})`);
    lines.push(`ruleset(name="${input}") { action(type="omfile" file="${join(options.dir, `${input}.log`)}" template="raw") }`);
  }
  return `${lines.join('\n')}\n`;
}

/** Starts rsyslogd in the foreground with its own config (not as the system's service). */
export async function startRsyslog(options: RsyslogOptions): Promise<Rsyslog> {
  if (rsyslogMissing) throw new Error(rsyslogMissing);
  const work = join(options.dir, 'work');
  mkdirSync(work, { recursive: true });
  const ports: Partial<Record<RsyslogInput, number>> = {};
  for (const input of options.inputs) ports[input] = await freePort();
  const file = join(options.dir, 'rsyslog.conf');
  writeFileSync(file, config(options, ports, work));
  let child: ChildProcess | undefined;
  const output: string[] = [];

  const start = async () => {
    const process = spawn('rsyslogd', ['-n', '-f', file, '-iNONE'], { stdio: ['ignore', 'pipe', 'pipe'] });
    process.stdout!.on('data', (b: Buffer) => output.push(b.toString()));
    process.stderr!.on('data', (b: Buffer) => output.push(b.toString()));
    child = process;
    const deadline = Date.now() + 10_000;
    for (const input of options.inputs) {
      while (!(await listening(ports[input]!))) {
        if (process.exitCode !== null || Date.now() > deadline) throw new Error(`rsyslogd did not start: ${output.join('')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  const stop = async () => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null) return;
    const exited = once(current, 'exit');
    current.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    ports,
    lines: (input) => {
      const path = join(options.dir, `${input}.log`);
      return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
    },
    restart: async () => {
      await stop();
      await start();
    },
    stop,
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}
