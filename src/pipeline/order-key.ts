/**
 * What an event's delivery order is kept by: its finding, else its scan; null (unordered) when
 * its data names neither. Prefixed so finding 7 and scan 7 are different keys.
 */
export function orderKeyOf(data: Readonly<Record<string, unknown>>): string | null {
  const { finding_id: finding, scan_id: scan } = data;
  if (isId(finding)) return `finding:${finding}`;
  if (isId(scan)) return `scan:${scan}`;
  return null;
}

function isId(value: unknown): value is string | number {
  return (typeof value === 'string' && value !== '') || typeof value === 'number';
}
