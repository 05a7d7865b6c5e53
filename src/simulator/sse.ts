/** Server-Sent Events framing. */

/**
 * One event frame; without `id` it has no `id:` line (the progress stream's events carry none).
 * Data with line breaks becomes several `data:` lines, which a client joins with `\n`, so a raw
 * string arrives as sent (CR/CRLF normalized to LF) and can never inject fields of its own.
 */
export function encodeEvent(type: string, id: string | undefined, data: string): string {
  return `event: ${type}\n${id === undefined ? '' : `id: ${id}\n`}${dataLines(data)}\n`;
}

/** A comment frame (`: text`), which clients ignore: the progress stream's keepalive. */
export function encodeComment(text: string): string {
  return `: ${text}\n\n`;
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
