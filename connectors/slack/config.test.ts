import { describe, expect, it } from 'vitest';
import { slackOptions, webhookSecrets } from './config.js';

const WEBHOOK = 'https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcDEF123ghiJKL456mnoPQR';

describe('slack options', () => {
  it('needs only the webhook URL', () => {
    expect(slackOptions.parse({ webhook_url: WEBHOOK })).toEqual({ webhook_url: WEBHOOK, tls: { insecure_skip_verify: false } });
  });

  it('keeps the optional keys, platform_url without its trailing slash', () => {
    const options = slackOptions.parse({
      webhook_url: 'http://127.0.0.1:9000/services/T1/B1/x',
      platform_url: 'https://app.s4e.io/',
      mention: '<!here> <@U0123ABCD> <!subteam^S0123ABCD>',
      tls: { ca_file: '/etc/ssl/ca.pem' },
    });
    expect(options).toMatchObject({ platform_url: 'https://app.s4e.io', mention: '<!here> <@U0123ABCD> <!subteam^S0123ABCD>' });
  });

  it.each([
    ['a missing webhook_url', {}, ['webhook_url']],
    ['plain http to a remote host', { webhook_url: 'http://hooks.slack.com/services/T/B/x' }, ['webhook_url']],
    ['a non-HTTP webhook_url', { webhook_url: 'ftp://hooks.slack.com/x' }, ['webhook_url']],
    ['a mention that is not one', { webhook_url: WEBHOOK, mention: '@here' }, ['mention']],
    ['a mention followed by text', { webhook_url: WEBHOOK, mention: '<!here> <https://evil|x>' }, ['mention']],
    ['an unknown key', { webhook_url: WEBHOOK, channel: '#sec' }, []],
    ['an unknown tls key', { webhook_url: WEBHOOK, tls: { verify: false } }, ['tls']],
  ])('rejects %s', (_, input, path) => {
    const result = slackOptions.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(path);
  });

  it('never repeats the webhook URL in its errors', () => {
    const secret = 'http://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcDEF123ghiJKL456mnoPQR';
    expect(JSON.stringify(slackOptions.safeParse({ webhook_url: secret }).error?.issues)).not.toContain('abcDEF123');
  });

  it('masks the URL, its path and its tokens, not the words of the path', () => {
    expect(webhookSecrets(WEBHOOK)).toEqual([
      WEBHOOK,
      '/services/T0123ABCD/B0123ABCD/abcDEF123ghiJKL456mnoPQR',
      'T0123ABCD',
      'B0123ABCD',
      'abcDEF123ghiJKL456mnoPQR',
    ]);
  });
});
