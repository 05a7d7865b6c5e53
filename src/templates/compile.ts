import Handlebars from 'handlebars';
import { z } from 'zod';
import type { Envelope } from '../pipeline/envelope.js';
import { eventView } from '../pipeline/view.js';
import { HELPERS } from './helpers.js';

/** A connector option written as a handlebars template, compiled once at load. */
export interface Template {
  /** The template as written in the config. */
  readonly source: string;
  /**
   * Renders one event (see EventView for its fields). `baseUrl` is `source.base_url`, for the
   * `link` helper. Never throws: a helper failing on this event's data renders as
   * `<template error: …>`, visible where the text lands rather than a lost delivery.
   */
  render(envelope: Envelope, baseUrl: string): string;
}

export interface TemplateOptions {
  /**
   * The connector's escaping for its target (mrkdwn, wiki markup, CEF), applied to every
   * `{{value}}` the template inserts, never to the template's own text; `{{{value}}}` inserts
   * as is. Without it nothing is escaped (no HTML escaping: no target here is HTML).
   */
  readonly escape?: (text: string) => string;
}

const handlebars = Handlebars.create();
handlebars.registerHelper(HELPERS);
const ESCAPE_HELPER = '__escape';

/** Templates see only the event's own data: no prototype property or method is reachable. */
const RUNTIME = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false } as const;

/** An event with nothing in it: rendering it once at load surfaces compile errors and misused helpers. */
const EMPTY: Envelope = { id: '', type: '', data: {}, subscription: '', receivedAt: 0 };

/** Compiles (and trial-renders) a template; throws an Error naming the problem and its line in the template. */
export function compileTemplate(source: string, options: TemplateOptions = {}): Template {
  let program: hbs.AST.Program;
  try {
    program = handlebars.parse(source);
  } catch (error) {
    throw new Error(`template: ${oneLine((error as Error).message)}`);
  }
  const { escape } = options;
  if (escape) escapeInsertions(program);
  const compiled = handlebars.compile(program, { noEscape: true });
  const runtime = { ...RUNTIME, ...(escape && { helpers: { [ESCAPE_HELPER]: (value: unknown) => escape(value === undefined || value === null ? '' : String(value)) } }) };
  const run = (envelope: Envelope, baseUrl: string) => compiled(eventView(envelope), { ...runtime, data: { baseUrl } });
  let trial: string;
  try {
    trial = run(EMPTY, '');
  } catch (error) {
    throw new Error(`template: ${oneLine((error as Error).message)}`);
  }
  // Only text (no {{…}} but comments): every event renders the same, so render once, here
  // (a constant such as HEC's default sourcetype is on the hot path of every delivery).
  if (program.body.every((statement) => statement.type === 'ContentStatement' || statement.type === 'CommentStatement')) {
    return { source, render: () => trial };
  }
  return {
    source,
    render(envelope, baseUrl) {
      try {
        return run(envelope, baseUrl);
      } catch (error) {
        return `<template error: ${oneLine((error as Error).message)}>`;
      }
    },
  };
}

/** A config option that is a template: a string, compiled at load; an error is located at the option. */
export function template(options: TemplateOptions = {}) {
  return z.string().transform((source, ctx): Template => {
    try {
      return compileTemplate(source, options);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });
}

/**
 * Handlebars' parse errors span several lines (source excerpt, caret, every token it would
 * have taken): keep the line and what it found.
 */
function oneLine(message: string): string {
  const [first = '', ...rest] = message.split('\n');
  const found = /got '([^']*)'\s*$/.exec(rest.at(-1) ?? '')?.[1];
  if (found === undefined) return [first, ...rest].join(' ');
  return `${first.replace(/:$/, '')}: ${found === 'EOF' ? 'the template ends early (an unclosed {{ or block?)' : `unexpected ${found}`}`;
}

/**
 * Rewrites every `{{…}}` (not `{{{…}}}`) into `{{__escape (…)}}`, so the connector's escaping
 * applies to inserted values only. Handlebars' own escaping is one global function (HTML), so
 * a per-connector one is woven into the template instead.
 */
function escapeInsertions(node: hbs.AST.Program): void {
  node.body = node.body.map((statement) => {
    if (statement.type === 'BlockStatement') {
      const block = statement as hbs.AST.BlockStatement;
      escapeInsertions(block.program);
      if (block.inverse) escapeInsertions(block.inverse);
      return block;
    }
    if (statement.type !== 'MustacheStatement' || !(statement as hbs.AST.MustacheStatement).escaped) return statement;
    const mustache = statement as hbs.AST.MustacheStatement;
    const isCall = mustache.params.length > 0 || mustache.hash !== undefined || (mustache.path.type === 'PathExpression' && (mustache.path as hbs.AST.PathExpression).original in HELPERS);
    const inner: hbs.AST.Expression = isCall
      ? ({ type: 'SubExpression', path: mustache.path, params: mustache.params, hash: mustache.hash, loc: mustache.loc } as hbs.AST.SubExpression)
      : mustache.path;
    const path: hbs.AST.PathExpression = { type: 'PathExpression', data: false, depth: 0, parts: [ESCAPE_HELPER], original: ESCAPE_HELPER, loc: mustache.loc };
    return { ...mustache, path, params: [inner], hash: undefined as unknown as hbs.AST.Hash, escaped: false };
  });
}
