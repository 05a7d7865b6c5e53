// `npm run audit`: `npm audit --omit=dev`, held to "no high or critical advisory in what ships,
// except those documented in audit-exceptions.json". Exit codes: 0 passed, 1 an undocumented
// high/critical advisory (or an exception past its date), 2 the registry could not be asked (a
// mirror without the advisory endpoint answers 405; no network). `.ci/run` reports 2 as "not
// checked" rather than failing the build on someone else's outage. Extra arguments go to npm
// (`npm run audit -- --registry=https://…`).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BLOCKING = new Set(['high', 'critical']);
const EXCEPTIONS_FILE = fileURLToPath(new URL('../audit-exceptions.json', import.meta.url));

/**
 * The high and critical advisories of an `npm audit --json` (v2) report, each with whether a
 * documented exception covers it. `exceptions`: [{ advisory: "GHSA-…", reason, until: "YYYY-MM-DD" }].
 */
export function assess(report, exceptions, today = new Date().toISOString().slice(0, 10)) {
  const found = new Map();
  for (const vulnerability of Object.values(report.vulnerabilities ?? {})) {
    for (const via of vulnerability.via ?? []) {
      // A string `via` names another vulnerable package; its own entry lists the advisory.
      if (typeof via !== 'object' || !BLOCKING.has(via.severity)) continue;
      const advisory = String(via.url ?? via.source).split('/').pop();
      const exception = exceptions.find((e) => e.advisory === advisory);
      const expired = exception !== undefined && exception.until !== undefined && exception.until < today;
      found.set(advisory, {
        advisory,
        package: via.name,
        severity: via.severity,
        title: via.title,
        range: via.range,
        excused: exception !== undefined && !expired,
        ...(exception ? { reason: exception.reason, until: exception.until } : {}),
      });
    }
  }
  return [...found.values()];
}

function npmAudit(args) {
  return new Promise((resolve) => {
    execFile('npm', ['audit', '--omit=dev', '--json', ...args], { maxBuffer: 64 * 1024 * 1024 }, (_error, stdout) =>
      resolve(stdout),
    );
  });
}

async function main() {
  const { exceptions } = JSON.parse(readFileSync(EXCEPTIONS_FILE, 'utf8'));
  const stdout = await npmAudit(process.argv.slice(2));
  let report;
  try {
    report = JSON.parse(stdout);
  } catch {
    report = { message: `npm audit printed no JSON report: ${stdout.slice(0, 200)}` };
  }
  if (report.metadata === undefined) {
    console.log(`audit: NOT CHECKED: the registry could not be asked (${report.message ?? report.error?.summary ?? 'no report'})`);
    process.exit(2);
  }
  const counts = report.metadata.vulnerabilities;
  console.log(
    `audit: ${report.metadata.dependencies?.prod ?? '?'} production dependencies; advisories: ` +
      ['critical', 'high', 'moderate', 'low'].map((s) => `${counts[s] ?? 0} ${s}`).join(', '),
  );
  const blocking = assess(report, exceptions);
  for (const a of blocking) {
    const why = a.excused ? `excused until ${a.until ?? 'further notice'}: ${a.reason}` : a.reason ? `exception expired ${a.until}` : 'not excused';
    console.log(`audit: ${a.severity} ${a.advisory} in ${a.package} ${a.range ?? ''}: ${a.title} (${why})`);
  }
  const failing = blocking.filter((a) => !a.excused);
  console.log(failing.length === 0 ? 'audit: passed' : `audit: FAILED: ${failing.length} high/critical advisories not excused in audit-exceptions.json`);
  process.exit(failing.length === 0 ? 0 : 1);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
