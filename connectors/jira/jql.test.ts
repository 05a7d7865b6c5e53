import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJql } from '../../src/demo/jira-receiver.js';
import { findingLabel } from './finding.js';
import { jqlString, labelQuery } from './jql.js';

describe('JQL literals', () => {
  it.each([
    ['f-91827', '"f-91827"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ['\\"', '"\\\\\\""'],
  ])('quotes %s as %s', (value, literal) => expect(jqlString(value)).toBe(literal));

  it('builds the label query', () => {
    expect(labelQuery('SEC', 's4e-finding-f-91827')).toBe('project = "SEC" AND labels = "s4e-finding-f-91827"');
  });

  it('keeps any value one literal (read back by the mock Jira’s parser)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ minLength: 1 }), (label, project) => {
        expect(parseJql(labelQuery(project, label))).toEqual([
          { field: 'project', value: project },
          { field: 'labels', value: label },
        ]);
      }),
    );
  });
});

describe('finding labels', () => {
  it('prefixes the id; percent-encodes whitespace and % only', () => {
    expect(findingLabel('f-91827')).toBe('s4e-finding-f-91827');
    expect(findingLabel('a b\t%"c')).toBe('s4e-finding-a%20b%09%25"c');
  });

  it('is one-to-one and holds no whitespace', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        fc.pre(a !== b);
        expect(findingLabel(a)).not.toBe(findingLabel(b));
        expect(findingLabel(a)).toMatch(/^\S+$/);
      }),
    );
  });

  it('hashes an id too long for a label', () => {
    const label = findingLabel('x'.repeat(300));
    expect(label).toMatch(/^s4e-finding-sha256-[0-9a-f]{64}$/);
    expect(label.length).toBeLessThanOrEqual(255);
  });
});
