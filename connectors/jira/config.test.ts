import { describe, expect, it } from 'vitest';
import { authorizationOf, jiraOptions, secretsOf } from './config.js';

const cloud = { url: 'https://example.atlassian.net/', deployment: 'cloud', email: 'bridge@example.com', api_token: 'atl-token-1234', project: 'SEC' };
const datacenter = { url: 'https://jira.example.com/jira/', deployment: 'datacenter', token: 'dc-pat-5678', project: 'SEC' };

describe('jira options', () => {
  it('fills the documented defaults (Cloud)', () => {
    expect(jiraOptions.parse(cloud)).toEqual({
      url: 'https://example.atlassian.net',
      deployment: 'cloud',
      email: 'bridge@example.com',
      api_token: 'atl-token-1234',
      project: 'SEC',
      issue_type: 'Bug',
      priority_map: { critical: 'Highest', high: 'High', medium: 'Medium', low: 'Low', info: 'Lowest' },
      labels: ['s4e'],
      comment_on_repeat: true,
      tls: { insecure_skip_verify: false },
    });
  });

  it('keeps a Data Center context path and the optional keys', () => {
    const options = jiraOptions.parse({
      ...datacenter,
      priority_map: { critical: 'Blocker' },
      done_transition: 'Close Issue',
      reopen_transition: 'Reopen Issue',
      platform_url: 'https://app.s4e.io/findings/{finding_id}',
    });
    expect(options).toMatchObject({
      url: 'https://jira.example.com/jira',
      token: 'dc-pat-5678',
      priority_map: { critical: 'Blocker', high: 'High', info: 'Lowest' },
      done_transition: 'Close Issue',
      reopen_transition: 'Reopen Issue',
      platform_url: 'https://app.s4e.io/findings/{finding_id}',
    });
  });

  it.each([
    ['a Data Center token on Cloud', { ...cloud, token: 't' }, []],
    ['a Cloud email on Data Center', { ...datacenter, email: 'a@b.c' }, []],
    ['a missing api_token', { ...cloud, api_token: undefined }, ['api_token']],
    ['a malformed email', { ...cloud, email: 'bridge' }, ['email']],
    ['a missing token', { ...datacenter, token: undefined }, ['token']],
    ['an unknown deployment', { ...cloud, deployment: 'server' }, ['deployment']],
    ['a label with a space', { ...cloud, labels: ['s4e findings'] }, ['labels', 0]],
    ['a severity outside the scale', { ...cloud, priority_map: { urgent: 'Highest' } }, ['priority_map']],
    ['a non-HTTP url', { ...cloud, url: 'ftp://jira' }, ['url']],
    ['an unknown key', { ...cloud, projects: ['SEC'] }, []],
  ])('rejects %s', (_, input, path) => {
    const result = jiraOptions.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(path);
  });

  it('says where resolved_statuses went: every connector\'s finding_status', () => {
    const result = jiraOptions.safeParse({ ...cloud, resolved_statuses: ['resolved'] });
    expect(result.error?.issues).toEqual([expect.objectContaining({ path: ['resolved_statuses'], message: expect.stringMatching(/finding_status\.close/) })]);
  });

  it('authenticates Cloud with Basic email:api_token and Data Center with a Bearer PAT; both are secrets', () => {
    const c = jiraOptions.parse(cloud);
    const basic = Buffer.from('bridge@example.com:atl-token-1234').toString('base64');
    expect(authorizationOf(c)).toBe(`Basic ${basic}`);
    expect(secretsOf(c)).toEqual(['atl-token-1234', basic]);
    const d = jiraOptions.parse(datacenter);
    expect(authorizationOf(d)).toBe('Bearer dc-pat-5678');
    expect(secretsOf(d)).toEqual(['dc-pat-5678']);
  });
});
