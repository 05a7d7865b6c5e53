// Child processes and /proc readings for the benchmark.
import { execFileSync, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

let CLK_TCK = 100;
try {
  CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // 100 on every Linux we run on.
}

/** VmRSS and VmHWM of a process, MB; undefined once it is gone. */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process has used, ms; undefined once it is gone. */
export function cpuMsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses: utime is the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `everyMs` and keeps the peak (VmHWM covers the time between samples). */
export function rssSampler(pid, everyMs = 100) {
  let peakRss = 0;
  let last;
  const sample = () => {
    const m = memoryOf(pid);
    if (!m) return;
    last = m;
    peakRss = Math.max(peakRss, m.rssMb);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      sample();
      clearInterval(timer);
      return { peakRssMb: Math.max(peakRss, last?.hwmMb ?? 0), lastRssMb: last?.rssMb ?? NaN, hwmMb: last?.hwmMb ?? NaN };
    },
  };
}

/** A forked helper (sim-proc.mjs, hec-sink.mjs) with request/response over IPC. */
export async function startHelper(script, { env = {}, onMessage } = {}) {
  const child = fork(script, [], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextId = 0;
  const waiting = new Map();
  let resolveReady;
  const ready = new Promise((resolve, reject) => {
    resolveReady = resolve;
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before it was ready`)));
  });
  child.on('message', (msg) => {
    if (msg.type === 'ready') resolveReady(msg);
    else if (msg.id !== undefined && waiting.has(msg.id)) {
      waiting.get(msg.id)(msg);
      waiting.delete(msg.id);
    } else onMessage?.(msg);
  });
  const { url } = await withTimeout(ready, 30_000, `${script} to start`);
  return {
    url,
    pid: child.pid,
    child,
    /** Sends a command; resolves with the answer (bounded in time). */
    call(cmd, args = {}, timeoutMs = 60_000) {
      const id = ++nextId;
      const answer = new Promise((resolve) => waiting.set(id, resolve));
      child.send({ ...args, cmd, id });
      return withTimeout(answer, timeoutMs, `${script} to answer ${cmd}`);
    },
    /** Sends without waiting for an answer. */
    tell(cmd, args = {}) {
      if (child.connected) child.send({ ...args, cmd });
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if (child.connected) child.send({ cmd: 'close' });
      await Promise.race([exited, sleep(5_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** A bridge (or naive bridge) under test: a plain child process, its output kept (the last lines). */
export function startProcess(args, env = {}) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail = [];
  const keep = (chunk) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line === '') continue;
      tail.push(line);
      if (tail.length > 200) tail.shift();
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  return {
    pid: child.pid,
    child,
    tail,
    exited,
    /** SIGTERM, then SIGKILL after `graceMs`; resolves with how it ended. */
    async stop(graceMs = 8_000, signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const ended = await Promise.race([exited, sleep(graceMs).then(() => undefined)]);
      if (ended !== undefined) return ended;
      child.kill('SIGKILL');
      return exited;
    },
  };
}

export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms))),
  ]);
}

/** Polls `check` every `everyMs` until it is true; false when `timeoutMs` passed first. */
export async function pollUntil(check, timeoutMs, everyMs = 20) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return Boolean(await check());
}
