import { JQLLexer, JQLParser } from '@atlaskit/jql-parser';
import { CharStreams, CommonTokenStream, type ANTLRErrorListener } from 'antlr4ts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJql } from '../../src/demo/jira-receiver.js';
import { findingLabel } from './finding.js';
import { jqlString, labelQuery } from './jql.js';

/**
 * Parses `jql` with Atlassian's published JQL grammar (@atlaskit/jql-parser); returns its
 * syntax errors and the lexer's tokens (name and text), EOF left out.
 */
function atlassianParse(jql: string): { errors: string[]; tokens: [string, string][] } {
  const errors: string[] = [];
  const listener: ANTLRErrorListener<unknown> = { syntaxError: (_r, _s, line, column, message) => errors.push(`${line}:${column} ${message}`) };
  const lexer = new JQLLexer(CharStreams.fromString(jql));
  lexer.removeErrorListeners();
  lexer.addErrorListener(listener);
  const stream = new CommonTokenStream(lexer);
  const parser = new JQLParser(stream);
  parser.removeErrorListeners();
  parser.addErrorListener(listener);
  parser.jqlQuery();
  const tokens = stream
    .getTokens()
    .filter((t) => t.type !== JQLLexer.EOF && t.channel === 0)
    .map((t): [string, string] => [JQLLexer.VOCABULARY.getSymbolicName(t.type) ?? String(t.type), t.text ?? '']);
  return { errors, tokens };
}

/** A QUOTE_STRING token's value, by the grammar's ESCAPE rule (`\uXXXX`, `\t`, `\n`, `\r`, or the character itself). */
function unquote(token: string): string {
  const SHORT: Record<string, string> = { t: '\t', n: '\n', r: '\r' };
  return token.slice(1, -1).replace(/\\(u[0-9a-fA-F]{4}|[^])/g, (_, e: string) => (e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : (SHORT[e] ?? e)));
}

/** Any text, lone surrogates included, with C0/C1 controls, quotes and backslashes made likely. */
const hostileText = fc.string({
  unit: fc.oneof(fc.constantFrom('"', '\\', "'", '\u0000', '\u0001', '\t', '\n', '\r', '\u001f', '\u007f', '\u0085', '\u2028', '\ufdd0', '\ufffe', '\ud800', '\udc00'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
  maxLength: 40,
});

describe('JQL literals', () => {
  it.each([
    ['f-91827', '"f-91827"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ['\\"', '"\\\\\\""'],
    ['tab\tline\nreturn\r', '"tab\\tline\\nreturn\\r"'],
    ['bell\u0007 del\u007f nel\u0085', '"bell\\u0007 del\\u007f nel\\u0085"'],
    ['non\ufffe char\ufdd0', '"non\\ufffe char\\ufdd0"'],
    ['lone \ud800 pair \ud83d\ude00', '"lone \\ud800 pair \ud83d\ude00"'],
  ])('quotes %j as %s', (value, literal) => expect(jqlString(value)).toBe(literal));

  it('builds the label query', () => {
    expect(labelQuery('SEC', 's4e-finding-f-91827')).toBe('project = "SEC" AND labels = "s4e-finding-f-91827"');
  });

  it('a finding id with a control character used to make JQL that Atlassian’s grammar refuses', () => {
    // What the bridge sent before escaping controls: the reason such findings were dead-lettered.
    expect(atlassianParse('project = "SEC" AND labels = "s4e-finding-a\u0001b"').errors).not.toEqual([]);
    expect(atlassianParse(labelQuery('SEC', 's4e-finding-a\u0001b')).errors).toEqual([]);
  });

  it('makes, for any project and label, one query Atlassian’s grammar accepts, holding exactly those two values', () => {
    fc.assert(
      fc.property(hostileText, hostileText, (project, label) => {
        const { errors, tokens } = atlassianParse(labelQuery(project, label));
        expect(errors).toEqual([]);
        expect(tokens.map(([type]) => type)).toEqual(['STRING', 'EQUALS', 'QUOTE_STRING', 'AND', 'STRING', 'EQUALS', 'QUOTE_STRING']);
        expect([unquote(tokens[2]![1]), unquote(tokens[6]![1])]).toEqual([project, label]);
      }),
      { numRuns: 500 },
    );
  });

  it('is read back the same by the mock Jira’s parser (demo and fault rig)', () => {
    fc.assert(
      fc.property(hostileText, hostileText, (project, label) => {
        expect(parseJql(labelQuery(project, label))).toEqual([
          { field: 'project', value: project },
          { field: 'labels', value: label },
        ]);
      }),
    );
  });
});

describe('finding labels', () => {
  it('prefixes the id; percent-encodes whitespace, controls, noncharacters, lone surrogates and %', () => {
    expect(findingLabel('f-91827')).toBe('s4e-finding-f-91827');
    expect(findingLabel('a b\t%"c')).toBe('s4e-finding-a%20b%09%25"c');
    expect(findingLabel('a\u0001b\u007f\u0085')).toBe('s4e-finding-a%01b%7F%C2%85');
    expect(findingLabel('x\ufffey\ud800')).toBe('s4e-finding-x%EF%BF%BEy%uD800');
    expect(findingLabel('ünï-😀')).toBe('s4e-finding-ünï-😀');
  });

  it('is one-to-one, and neither whitespace nor anything JQL must escape is left in it', () => {
    fc.assert(
      fc.property(hostileText, hostileText, (a, b) => {
        fc.pre(a !== b);
        expect(findingLabel(a)).not.toBe(findingLabel(b));
        expect(findingLabel(a)).toMatch(/^[^\s\u0000-\u001f\u007f-\u009f\ufdd0-\ufdef\ufffe\uffff]+$/u);
      }),
    );
  });

  it('finds any finding by a query Atlassian’s grammar accepts', () => {
    fc.assert(
      fc.property(hostileText, (id) => {
        const { errors, tokens } = atlassianParse(labelQuery('SEC', findingLabel(id)));
        expect(errors).toEqual([]);
        expect(unquote(tokens[6]![1])).toBe(findingLabel(id));
      }),
      { numRuns: 300 },
    );
  });

  it('hashes an id too long for a label, telling ids apart that differ in a lone surrogate', () => {
    const label = findingLabel('x'.repeat(300));
    expect(label).toMatch(/^s4e-finding-sha256-[0-9a-f]{64}$/);
    expect(label.length).toBeLessThanOrEqual(255);
    expect(findingLabel(`${'x'.repeat(300)}\ud800`)).not.toBe(findingLabel(`${'x'.repeat(300)}\ud801`));
  });
});
