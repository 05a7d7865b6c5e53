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
    { title: 'SQL Injection in /api/login', path: '/api/login' },
    { title: 'Remote Code Execution via Apache Log4j', path: '/', cve: 'CVE-2021-44228', cvss: 10 },
    { title: 'Authentication Bypass in admin panel', path: '/admin' },
  ],
  high: [
    { title: 'Stored Cross-Site Scripting in comments', path: '/blog/comments' },
    { title: 'Server-Side Request Forgery in image proxy', path: '/proxy' },
    { title: 'Apache HTTP Server path traversal', path: '/cgi-bin/', cve: 'CVE-2021-41773', cvss: 7.5 },
    { title: 'OpenSSL X.509 email address buffer overflow', path: '/', cve: 'CVE-2022-3602', cvss: 7.5 },
    { title: 'Exposed .git directory', path: '/.git/config' },
  ],
  medium: [
    { title: 'Reflected Cross-Site Scripting', path: '/search' },
    { title: 'TLS 1.0 enabled', path: '/' },
    { title: 'Open redirect', path: '/redirect' },
    { title: 'jQuery cross-site scripting in htmlPrefilter', path: '/static/js/jquery.js', cve: 'CVE-2020-11022', cvss: 6.1 },
    { title: 'Missing Content-Security-Policy header', path: '/' },
  ],
  low: [
    { title: 'Cookie without Secure flag', path: '/' },
    { title: 'Missing Strict-Transport-Security header', path: '/' },
    { title: 'Server version disclosure', path: '/' },
    { title: 'Clickjacking: missing X-Frame-Options header', path: '/' },
  ],
  info: [
    { title: 'Open port 22/tcp (SSH)', path: '/' },
    { title: 'Technology detected: nginx', path: '/' },
    { title: 'robots.txt found', path: '/robots.txt' },
    { title: 'DNS CAA record missing', path: '/' },
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

export const FINDING_STATUSES = ['open', 'confirmed', 'in_progress', 'resolved', 'false_positive', 'risk_accepted'] as const;

export interface SystemAlert {
  readonly alert_type: string;
  readonly message: string;
  readonly severity: Severity;
}

export const SYSTEM_ALERTS: readonly SystemAlert[] = [
  { alert_type: 'scanner_capacity', message: 'Scan queue above 80% of capacity; new scans may be delayed.', severity: 'medium' },
  { alert_type: 'integration_failure', message: 'Jira integration failed to create 3 tickets: authentication rejected.', severity: 'high' },
  { alert_type: 'license_expiry', message: 'License expires in 14 days.', severity: 'low' },
  { alert_type: 'maintenance', message: 'Scheduled maintenance window starts at 02:00 UTC.', severity: 'info' },
  { alert_type: 'rate_limit', message: 'API key approaching its rate limit (90% of quota used).', severity: 'medium' },
];
