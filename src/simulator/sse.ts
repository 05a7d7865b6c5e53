/** Server-Sent Events framing. */

/**
 * One event frame. Data with line breaks becomes several `data:` lines, which a client joins
 * with `\n`, so a raw string arrives as sent (CR/CRLF normalized to LF) and can never inject
 * fields of its own.
 */
export function encodeEvent(type: string, id: string, data: string): string {
  return `event: ${type}\nid: ${id}\n${dataLines(data)}\n`;
}

export function encodeRetry(ms: number): string {
  return `retry: ${ms}\n\n`;
}

/** True when the value would break out of its single-line field. */
export function hasLineBreak(value: string): boolean {
  return value.includes('\n') || value.includes('\r');
}

function dataLines(data: string): string {
  if (!hasLineBreak(data)) return `data: ${data}\n`;
  return data
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}\n`)
    .join('');
}
