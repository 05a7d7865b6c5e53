/**
 * The end of the config most end-to-end tests share: one Splunk HEC connector named `splunk`
 * and one route that sends it every event. Starts at column 0 and ends with a newline.
 */
export function everythingToHecYaml(hec: { url: string; token: string; batch?: string; route?: string }): string {
  return `connectors:
  splunk:
    type: splunk_hec
    url: ${hec.url}
    token: ${hec.token}
    batch: ${hec.batch ?? '{ max_events: 200, max_delay: 20ms }'}
routes:
  - name: ${hec.route ?? 'everything'}
    to: [splunk]
`;
}
