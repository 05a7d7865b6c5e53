/**
 * Masks secrets by value, wherever they appear: every configured secret (API keys, tokens,
 * webhook URLs) is known when the config loads, so masking does not depend on anyone
 * remembering which field holds one. URL query tokens are masked by shape as well.
 */
export const MASK = '[REDACTED]';

/**
 * Query parameters whose value is a credential, e.g. `?token=…` on the S4E stream URL. A value
 * masked already is left alone, so that masking twice does not swallow what follows it.
 */
const SECRET_QUERY = /([?&](?:token|api_key|apikey|access_token|key|sig|signature|password)=)(?!\[REDACTED\])[^&\s"'#]+/gi;
/** Credentials in a URL's userinfo, e.g. `redis://:pass@host`. */
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@"']*:[^/\s@"']+@/gi;

export type Redactor = (text: string) => string;

export function createRedactor(secrets: Iterable<string>): Redactor {
  // Longest first, so a secret containing another is masked whole; very short values are
  // ignored, they would mask ordinary words.
  const values = [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  const pattern = values.length > 0 ? new RegExp(values.map(escapeRegExp).join('|'), 'g') : undefined;
  return (text) => {
    let out = pattern ? text.replace(pattern, MASK) : text;
    if (out.includes('=')) out = out.replace(SECRET_QUERY, `$1${MASK}`);
    if (out.includes('@')) out = out.replace(URL_USERINFO, `$1${MASK}@`);
    return out;
  };
}

/** A Redactor that can be taught more secrets: credentials re-read on SIGHUP join those it masks. */
export interface SecretMask extends Redactor {
  /** Masks these too, from now on (and still every secret known before). */
  learn(secrets: Iterable<string>): void;
}

export function createSecretMask(secrets: Iterable<string>): SecretMask {
  const known = new Set(secrets);
  let redact = createRedactor(known);
  const mask = ((text: string) => redact(text)) as SecretMask;
  mask.learn = (more) => {
    const before = known.size;
    for (const secret of more) known.add(secret);
    if (known.size > before) redact = createRedactor(known);
  };
  return mask;
}

/** A URL safe to show: query credentials and userinfo masked. */
export function redactUrl(url: string | URL): string {
  return createRedactor([])(String(url));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
