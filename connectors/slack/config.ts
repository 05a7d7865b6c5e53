import { z } from 'zod';
import { isLoopbackHost } from '../../src/config/primitives.js';
import { tlsOptions } from '../tls.js';

/** One Slack mention: `<!here>`, `<!channel>`, `<!everyone>`, `<@U0123ABCD>` or `<!subteam^S0123ABCD>`. */
const MENTION = String.raw`<(?:!here|!channel|!everyone|@[UW][A-Z0-9]+|!subteam\^S[A-Z0-9]+)>`;

/** The `slack` connector's own keys (beside the shared `type`, `batch`, `delivery`). */
export const slackOptions = z
  .object({
    /**
     * The incoming webhook URL, e.g. `https://hooks.slack.com/services/T…/B…/…`. A secret as a
     * whole (whoever has it can post; Slack revokes leaked ones): masked everywhere. Plain http
     * only to a loopback host (local receivers and tests): it would send the secret in clear.
     */
    webhook_url: z
      .url({ protocol: /^https?$/ })
      .refine(
        // Not a URL at all: the url check above already said so (zod runs refinements anyway).
        (url) => !URL.canParse(url) || url.startsWith('https:') || isLoopbackHost(new URL(url).hostname),
        'must be https (http only to a loopback host)',
      ),
    /** The platform's web address, e.g. `https://app.s4e.io`: messages link back to the finding or scan. */
    platform_url: z
      .url({ protocol: /^https?$/ })
      .transform((url) => url.replace(/\/+$/, ''))
      .optional(),
    /**
     * Who to notify with each message, e.g. `<!here>` on a connector that routes only critical
     * events. Only ever taken from here, never from event data.
     */
    mention: z
      .string()
      .regex(new RegExp(`^${MENTION}(?: ${MENTION})*$`), 'Slack mentions separated by spaces, e.g. <!here> or <@U0123ABCD> <!subteam^S0123ABCD>')
      .optional(),
    tls: tlsOptions,
  })
  .strict();

export type SlackOptions = z.output<typeof slackOptions>;

/**
 * What to mask for a webhook: the URL, its path (it shows up alone in proxies' and HTTP
 * libraries' messages) and each path segment that looks like an id or token rather than a word
 * (`T0123ABCD`, `B0123ABCD`, the secret itself; not `services`).
 */
export function webhookSecrets(webhookUrl: string): string[] {
  const { pathname, search } = new URL(webhookUrl);
  const tokens = pathname.split('/').filter((segment) => segment !== '' && !/^[a-z-]+$/.test(segment));
  return [webhookUrl, pathname + search, ...tokens];
}
