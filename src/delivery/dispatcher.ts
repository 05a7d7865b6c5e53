import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';

/**
 * Where HTTP requests go: through this proxy URL; `false`, straight to the destination whatever
 * the environment says; absent, as the environment says (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`).
 */
export type ProxySetting = string | false | undefined;

export interface DispatcherOptions {
  readonly proxy?: ProxySetting;
  /** Trust for the destination's certificate, and for an https:// proxy's. */
  readonly tls?: { readonly ca?: string; readonly rejectUnauthorized?: boolean };
  /** undici's per-request timeouts, ms (0: none); undici's defaults when absent. */
  readonly headersTimeout?: number;
  readonly bodyTimeout?: number;
}

/** Loopback never goes through a proxy taken from the environment (as Go's ProxyFromEnvironment does). */
const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The one place outbound HTTP picks its route, for connectors and the platform alike. A proxy
 * is tunnelled to with CONNECT; its credentials come from the URL's userinfo (sent as
 * `Proxy-Authorization: Basic`). `NO_PROXY` applies to a configured proxy as well.
 */
export function createDispatcher({ proxy, tls = {}, ...timeouts }: DispatcherOptions): Dispatcher {
  const connect = { ...(tls.ca && { ca: tls.ca }), rejectUnauthorized: tls.rejectUnauthorized ?? true };
  // Agent reads `connect`; the proxy agents read `requestTls` (through the tunnel) and `proxyTls`.
  const agent = { connect, requestTls: connect, proxyTls: connect, ...timeouts };
  if (proxy === false) return new Agent(agent);
  if (proxy) return new EnvHttpProxyAgent({ ...agent, httpProxy: proxy, httpsProxy: proxy });
  const noProxy = process.env.no_proxy ?? process.env.NO_PROXY ?? '';
  return new EnvHttpProxyAgent({ ...agent, noProxy: [noProxy, ...LOOPBACK].filter(Boolean).join(',') });
}

/** What a proxy URL holds that must never be shown: its password, and the Basic credential made of it. */
export function proxySecrets(proxy: string | undefined): string[] {
  if (!proxy || !URL.canParse(proxy)) return [];
  const { username, password } = new URL(proxy);
  if (!password) return [];
  const plain = decodeURIComponent(password);
  return [plain, password, Buffer.from(`${decodeURIComponent(username)}:${plain}`).toString('base64')];
}

/** The proxies the environment names, for masking their credentials. */
export function environmentProxies(env: NodeJS.ProcessEnv = process.env): string[] {
  return [env.https_proxy, env.HTTPS_PROXY, env.http_proxy, env.HTTP_PROXY].filter((p): p is string => Boolean(p));
}
