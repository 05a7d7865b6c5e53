import { z } from 'zod';
import { tlsOptions } from '../tls.js';

/** A name as the Jira site spells it (issue type, priority, transition). */
const jiraName = z.string().trim().min(1);
/** Jira labels hold no whitespace; control characters could not be searched for unescaped. */
const label = z.string().regex(/^[^\s\u0000-\u001f\u007f-\u009f]{1,255}$/, 'a Jira label: no spaces or control characters, at most 255 characters');
const httpUrl = z.url({ protocol: /^https?$/ });

/** Keys both deployments share. */
const shared = z.object({
  /** Site base URL, e.g. `https://example.atlassian.net` (a context path such as `/jira` is kept). */
  url: httpUrl.transform((url) => url.replace(/\/+$/, '')),
  /** Project key issues are created in, e.g. `SEC`. */
  project: z.string().trim().min(1),
  /** @default 'Bug' */
  issue_type: jiraName.default('Bug'),
  /** Priority name per severity; priority names differ per site. An event outside the scale gets the site's default. */
  priority_map: z
    .object({
      critical: jiraName.default('Highest'),
      high: jiraName.default('High'),
      medium: jiraName.default('Medium'),
      low: jiraName.default('Low'),
      info: jiraName.default('Lowest'),
    })
    .strict()
    .prefault({}),
  /** Labels added to every issue, beside the per-finding label the bridge searches by. @default ['s4e'] */
  labels: z.array(label).default(['s4e']),
  /** Comment on the issue when a finding it already tracks is reported again. @default true */
  comment_on_repeat: z.boolean().default(true),
  /** Transition that closes an issue; unset: the first one offered whose target status is in the `done` category. */
  done_transition: jiraName.optional(),
  /** Transition applied when a finding moves to a status of `finding_status.reopen`; unset: a comment only. */
  reopen_transition: jiraName.optional(),
  /** Which statuses close and which reopen is every connector's `finding_status` now. */
  resolved_statuses: z
    .never({ error: 'resolved_statuses became finding_status: { close: [...], reopen: [...] }, a key every connector has: move the list to finding_status.close' })
    .optional(),
  /** Link to the finding in the S4E console; `{finding_id}` is replaced by the URL-encoded id. */
  platform_url: httpUrl.optional(),
  tls: tlsOptions,
});

/**
 * The `jira` connector's own keys. `deployment` picks the dialect: `cloud` is REST v3 with
 * Atlassian Document Format and `Basic base64(email:api_token)`; `datacenter` (Server too)
 * is REST v2 with wiki markup and a personal access token as `Bearer`.
 */
export const jiraOptions = z.discriminatedUnion('deployment', [
  shared
    .extend({
      deployment: z.literal('cloud'),
      /** Atlassian account email the API token belongs to. */
      email: z.email(),
      /** API token (a secret: masked everywhere). */
      api_token: z.string().min(1),
    })
    .strict(),
  shared
    .extend({
      deployment: z.literal('datacenter'),
      /** Personal access token (a secret: masked everywhere). */
      token: z.string().min(1),
    })
    .strict(),
]);

export type JiraOptions = z.output<typeof jiraOptions>;

/** The `Authorization` header value for the deployment's scheme. */
export function authorizationOf(options: JiraOptions): string {
  return options.deployment === 'cloud'
    ? `Basic ${Buffer.from(`${options.email}:${options.api_token}`).toString('base64')}`
    : `Bearer ${options.token}`;
}

/** The secret values: the token and, on Cloud, the Basic credential that encodes it. */
export function secretsOf(options: JiraOptions): string[] {
  return options.deployment === 'cloud' ? [options.api_token, authorizationOf(options).slice('Basic '.length)] : [options.token];
}
