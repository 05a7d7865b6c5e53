import type { Severity } from '../pipeline/severity.js';
import { type Asset, CVSS_BANDS, FINDINGS, SEVERITY_WEIGHTS } from './catalogue.js';
import { type Random, weightedPicker } from './random.js';

/** A vulnerability as a scan finds it, before it is placed on an asset. */
export interface DrawnFinding {
  readonly title: string;
  readonly severity: Severity;
  readonly cvss: number;
  readonly cve?: string;
  /** Path of the affected resource on the asset. */
  readonly path: string;
  readonly description: string;
  readonly remediation: string;
}

const pickSeverity = weightedPicker(SEVERITY_WEIGHTS);

/** A realistic finding: severities skewed low, CVSS from the CVE or the severity's band. */
export function drawFinding(r: Random): DrawnFinding {
  const severity = pickSeverity(r);
  const template = r.pick(FINDINGS[severity]);
  const [min, max] = CVSS_BANDS[severity];
  return {
    title: template.title,
    severity,
    cvss: template.cvss ?? Math.round((min + r.next() * (max - min)) * 10) / 10,
    ...(template.cve === undefined ? {} : { cve: template.cve }),
    path: template.path,
    description: template.description,
    remediation: template.remediation,
  };
}

/** Where a finding is: the affected resource on the asset. */
export function findingUrl(asset: Asset, path: string): string {
  return `https://${asset.name}${path}`;
}
