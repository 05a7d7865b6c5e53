import type { Severity } from '../pipeline/severity.js';

/** Sample values that make generated events read like a real tenant's. */

export interface Asset {
  readonly id: string;
  readonly name: string;
}

/** A fixed pool, so tests can filter on a known asset (`a-1001` always exists). */
export const ASSETS: readonly Asset[] = [
  { id: 'a-1001', name: 'api.example.com' },
  { id: 'a-1002', name: 'www.example.com' },
  { id: 'a-1003', name: 'app.example.com' },
  { id: 'a-1004', name: 'vpn.example.org' },
  { id: 'a-1005', name: 'mail.example.org' },
  { id: 'a-1006', name: 'shop.example.net' },
  { id: 'a-1007', name: '10.20.0.15' },
  { id: 'a-1008', name: 'staging.example.com' },
  { id: 'a-1009', name: 'auth.example.com' },
  { id: 'a-1010', name: 'cdn.example.net' },
];

export interface FindingTemplate {
  readonly title: string;
  /** Path of the affected resource on the asset. */
  readonly path: string;
  /** What the Scans API's results say about it (`description`, `remediation`). */
  readonly description: string;
  readonly remediation: string;
  readonly cve?: string;
  /** The CVE's published score; otherwise drawn from the severity's CVSS band. */
  readonly cvss?: number;
}

/** How often a finding has each severity: most are informational, few critical. */
export const SEVERITY_WEIGHTS: readonly (readonly [Severity, number])[] = [
  ['info', 35],
  ['low', 25],
  ['medium', 22],
  ['high', 13],
  ['critical', 5],
];

/** CVSS v3 qualitative bands, [min, max]. */
export const CVSS_BANDS: Readonly<Record<Severity, readonly [number, number]>> = {
  info: [0, 0],
  low: [0.1, 3.9],
  medium: [4, 6.9],
  high: [7, 8.9],
  critical: [9, 10],
};

export const FINDINGS: Readonly<Record<Severity, readonly FindingTemplate[]>> = {
  critical: [
    { title: 'SQL Injection in /api/login', path: '/api/login', description: 'User input is passed directly to SQL query.', remediation: 'Use parameterized queries.' },
    { title: 'Remote Code Execution via Apache Log4j', path: '/', cve: 'CVE-2021-44228', cvss: 10, description: 'A JNDI lookup in a logged value loads and runs remote code.', remediation: 'Upgrade Log4j to 2.17.1 or later.' },
    { title: 'Authentication Bypass in admin panel', path: '/admin', description: 'The admin panel accepts requests without a valid session.', remediation: 'Enforce authentication on every admin route.' },
  ],
  high: [
    { title: 'Stored Cross-Site Scripting in comments', path: '/blog/comments', description: 'Comment text is stored and rendered without encoding.', remediation: 'Encode output and sanitize stored HTML.' },
    { title: 'Server-Side Request Forgery in image proxy', path: '/proxy', description: 'The image proxy fetches any URL it is given, internal ones included.', remediation: 'Allow-list the hosts the proxy may fetch from.' },
    { title: 'Apache HTTP Server path traversal', path: '/cgi-bin/', cve: 'CVE-2021-41773', cvss: 7.5, description: 'Encoded path segments reach files outside the document root.', remediation: 'Upgrade Apache HTTP Server to 2.4.51 or later.' },
    { title: 'OpenSSL X.509 email address buffer overflow', path: '/', cve: 'CVE-2022-3602', cvss: 7.5, description: 'A crafted certificate can overflow a buffer during name checks.', remediation: 'Upgrade OpenSSL to 3.0.7 or later.' },
    { title: 'Exposed .git directory', path: '/.git/config', description: "The repository's .git directory is served over HTTP.", remediation: 'Deny access to .git in the web server.' },
  ],
  medium: [
    { title: 'Reflected Cross-Site Scripting', path: '/search', description: 'A query parameter is echoed into the page without encoding.', remediation: 'Encode reflected input for its HTML context.' },
    { title: 'TLS 1.0 enabled', path: '/', description: 'The server still negotiates TLS 1.0.', remediation: 'Disable TLS 1.0 and 1.1.' },
    { title: 'Open redirect', path: '/redirect', description: 'The redirect target is taken from the request unchecked.', remediation: 'Redirect only to relative paths or allow-listed hosts.' },
    { title: 'jQuery cross-site scripting in htmlPrefilter', path: '/static/js/jquery.js', cve: 'CVE-2020-11022', cvss: 6.1, description: 'The bundled jQuery passes HTML through an unsafe prefilter.', remediation: 'Upgrade jQuery to 3.5.0 or later.' },
    { title: 'Missing Content-Security-Policy header', path: '/', description: 'Responses carry no Content-Security-Policy header.', remediation: 'Send a Content-Security-Policy header.' },
  ],
  low: [
    { title: 'Cookie without Secure flag', path: '/', description: 'A session cookie is set without the Secure flag.', remediation: 'Set the Secure flag on every cookie.' },
    { title: 'Missing Strict-Transport-Security header', path: '/', description: 'HTTPS responses carry no Strict-Transport-Security header.', remediation: 'Send Strict-Transport-Security with a long max-age.' },
    { title: 'Server version disclosure', path: '/', description: 'The Server header names the software and its version.', remediation: 'Remove version details from response headers.' },
    { title: 'Clickjacking: missing X-Frame-Options header', path: '/', description: 'Pages can be framed by any site.', remediation: 'Send X-Frame-Options or a frame-ancestors policy.' },
  ],
  info: [
    { title: 'Open port 22/tcp (SSH)', path: '/', description: 'SSH answers on port 22.', remediation: 'Restrict SSH to trusted networks if it need not be public.' },
    { title: 'Technology detected: nginx', path: '/', description: 'The server runs nginx.', remediation: 'No action needed.' },
    { title: 'robots.txt found', path: '/robots.txt', description: 'A robots.txt file lists paths.', remediation: 'Check that it names no sensitive path.' },
    { title: 'DNS CAA record missing', path: '/', description: 'The domain has no CAA record.', remediation: 'Publish a CAA record naming your certificate authorities.' },
  ],
};

/** Scan types of the Scans API. */
export const SCAN_TYPES = ['full', 'quick', 'custom', 'api_discovery', 'ssl', 'dns', 'port'] as const;

/** Phases in the order a scan goes through them. */
export const SCAN_PHASES = [
  'discovery',
  'port_scanning',
  'service_detection',
  'web_vulnerability_checks',
  'ssl_checks',
  'reporting',
] as const;

export const SCAN_ERRORS = [
  'Target unreachable: connection timed out',
  'DNS resolution failed for target',
  'Authentication to target failed',
  'Scanner node lost during execution',
  'Blocked by target WAF',
] as const;

/**
 * A finding's statuses and the changes between them. The documents name only `open` (the Scans
 * API's example) and no other: assumed, a triage workflow of the usual kind, where a closed
 * finding can come back as `reopened`.
 */
export const FINDING_STATUS_CHANGES: Readonly<Record<string, readonly string[]>> = {
  open: ['confirmed', 'in_progress', 'resolved', 'false_positive', 'risk_accepted'],
  confirmed: ['in_progress', 'resolved', 'risk_accepted'],
  in_progress: ['resolved'],
  resolved: ['reopened'],
  false_positive: ['reopened'],
  risk_accepted: ['reopened'],
  reopened: ['in_progress', 'resolved'],
};
export const FINDING_STATUSES = Object.keys(FINDING_STATUS_CHANGES);

export interface SystemAlert {
  readonly alert_type: string;
  readonly message: string;
  /** Not in the document: sent only with the simulator's `assumedFields`. */
  readonly severity: Severity;
}

export const SYSTEM_ALERTS: readonly SystemAlert[] = [
  { alert_type: 'scanner_capacity', message: 'Scan queue above 80% of capacity; new scans may be delayed.', severity: 'medium' },
  { alert_type: 'integration_failure', message: 'Jira integration failed to create 3 tickets: authentication rejected.', severity: 'high' },
  { alert_type: 'license_expiry', message: 'License expires in 14 days.', severity: 'low' },
  { alert_type: 'maintenance', message: 'Scheduled maintenance window starts at 02:00 UTC.', severity: 'info' },
  { alert_type: 'rate_limit', message: 'API key approaching its rate limit (90% of quota used).', severity: 'medium' },
];
