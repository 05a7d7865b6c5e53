import { describe, expect, it } from 'vitest';
import type { Envelope } from '../src/pipeline/envelope.js';
import { decodeStoredEnvelope, encodeStoredEnvelope } from '../src/pipeline/envelope-json.js';

describe('stored envelope JSON', () => {
  it('round-trips an envelope, and reads any envelope JSON', () => {
    const envelope: Envelope = {
      id: 'evt-1',
      type: 'finding.new',
      data: { title: 'SQL "injection" in {login}', tags: ['a]', '}'], empty: {}, none: [] },
      subscription: 'findings',
      receivedAt: 1_700_000_000_123,
      severity: 'high',
      asset: { id: 'a-1' },
    };
    expect(decodeStoredEnvelope(encodeStoredEnvelope(envelope))).toEqual(envelope);
    expect(decodeStoredEnvelope(JSON.stringify(envelope))).toEqual(envelope);
  });
});
