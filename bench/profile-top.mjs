// Summarizes a V8 .cpuprofile (node --cpu-prof): the functions with the most self time, and
// the same grouped by where the code lives (our src/, connectors/, a package, node: internals).
//
//   node bench/profile-top.mjs FILE.cpuprofile [--top 25] [--events N]   (N: events handled, for µs/event)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** Self time per function and per place, ms, from a profile's samples and time deltas. */
export function summarize(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time before sample i; the time after the last sample is unknown.
    const dt = timeDeltas[i + 1] ?? 0;
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(0, dt));
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const functions = new Map();
  const places = new Map();
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id);
    const name = callFrame.functionName || '(anonymous)';
    const where = place(callFrame.url);
    const key = `${name} ${shortUrl(callFrame.url)}:${callFrame.lineNumber + 1}`;
    const f = functions.get(key) ?? { name, where: `${shortUrl(callFrame.url)}:${callFrame.lineNumber + 1}`, place: where, us: 0 };
    f.us += us;
    functions.set(key, f);
    places.set(where, (places.get(where) ?? 0) + us);
  }
  // Inclusive time of our own functions (src/, connectors/): each sample counts once per function on its stack.
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inclusive = new Map();
  for (const [id, us] of selfUs) {
    const counted = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const { callFrame } = byId.get(at);
      if (!place(callFrame.url).startsWith('ours:')) continue;
      const key = `${callFrame.functionName || '(anonymous)'} (${shortUrl(callFrame.url)}:${callFrame.lineNumber + 1})`;
      if (counted.has(key)) continue;
      counted.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const pct = (us) => Math.round((1000 * us) / total) / 10;
  return {
    totalMs: Math.round(total / 1000),
    inclusive: [...inclusive].sort((a, b) => b[1] - a[1]).map(([fn, us]) => ({ fn, ms: Math.round(us / 1000), pct: pct(us) })),
    functions: [...functions.values()].sort((a, b) => b.us - a.us).map((f) => ({ ...f, ms: Math.round(f.us / 1000), pct: pct(f.us) })),
    places: [...places].sort((a, b) => b[1] - a[1]).map(([where, us]) => ({ place: where, ms: Math.round(us / 1000), pct: pct(us) })),
  };
}

/** Where code lives: `ours: src/…`, `pkg: undici`, `node:…`, or V8's own entries. */
function place(url) {
  if (!url) return '(v8/native)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `pkg: ${pkg[1]}`;
  const ours = /\/dist\/((?:src|connectors)\/[^/]+)/.exec(url);
  if (ours) return `ours: ${ours[1]}`;
  return url;
}

function shortUrl(url) {
  if (!url) return '';
  return url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/');
}

/** `events`: how many events the profiled process handled, for a µs-per-event column. */
export function formatTop(summary, top = 25, events = 0) {
  const perEvent = (ms) => (events > 0 ? `${((ms * 1000) / events).toFixed(2).padStart(6)} µs/ev  ` : '');
  const lines = [`total sampled: ${summary.totalMs} ms${events > 0 ? ` for ${events} events (${((summary.totalMs * 1000) / events).toFixed(1)} µs/event, idle included)` : ''}`, '', `top ${top} functions by self time:`];
  for (const f of summary.functions.slice(0, top)) {
    lines.push(`  ${String(f.pct).padStart(5)}%  ${String(f.ms).padStart(6)} ms  ${perEvent(f.ms)}${f.name}  (${f.where})`);
  }
  lines.push('', `top ${top} of our functions by total time (self + callees):`);
  for (const f of summary.inclusive.slice(0, top)) lines.push(`  ${String(f.pct).padStart(5)}%  ${String(f.ms).padStart(6)} ms  ${perEvent(f.ms)}${f.fn}`);
  lines.push('', 'self time by place:');
  for (const p of summary.places.slice(0, 20)) lines.push(`  ${String(p.pct).padStart(5)}%  ${String(p.ms).padStart(6)} ms  ${p.place}`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, events: { type: 'string', default: '0' } } });
  if (positionals.length === 0) {
    console.error('usage: node bench/profile-top.mjs FILE.cpuprofile [--top 25] [--events N]');
    process.exit(2);
  }
  for (const file of positionals) {
    console.log(`== ${file}`);
    console.log(formatTop(summarize(JSON.parse(readFileSync(file, 'utf8'))), Number(values.top), Number(values.events)));
  }
}
