import { z } from 'zod';
import { connectorPlugins } from '../../connectors/index.js';
import type { ConnectorPlugin } from '../../connectors/types.js';
import { configSchema, connectorCommon } from './schema.js';

/** A JSON Schema node, as zod emits it. */
interface JsonSchema {
  [keyword: string]: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  oneOf?: JsonSchema[];
}

/** The YAML as written (before defaults and transforms); what no JSON Schema can say (a template) takes any value. */
const AS_WRITTEN = { io: 'input', unrepresentable: 'any' } as const;

/**
 * The config's JSON Schema (draft 2020-12), for editors that complete and check the YAML
 * (`# yaml-language-server: $schema=…`), generated from the zod schemas the loader itself uses:
 * `s4e-bridge schema` prints it and `schema/config.schema.json` is a copy a test keeps equal.
 * The loader checks a connector in two steps (the shared keys, then its type's own); here each
 * type is one schema, told apart by `type`. What a JSON Schema cannot say (references between
 * sections, event types, templates, regexes, the tier's budget) only `validate` checks.
 */
export function configJsonSchema(): JsonSchema {
  const { $schema, ...schema } = z.toJSONSchema(configSchema, AS_WRITTEN) as JsonSchema;
  const connectors = schema.properties!.connectors!;
  connectors.additionalProperties = { oneOf: connectorPlugins.flatMap(connectorJsonSchemas) };
  return { $schema, title: 's4e-bridge configuration', ...(withReferences(schema) as JsonSchema) };
}

/** A string holding a `${VAR}` or `${file:…}` reference. */
const REFERENCE: JsonSchema = { type: 'string', pattern: '\\$\\{[^}]*\\}', description: 'resolved when the config loads' };

/**
 * The schema with a reference allowed wherever a string must have a shape (a pattern, a format,
 * one of some values): the loader resolves references before its schema sees the values, an
 * editor sees the file as written (`webhook_url: ${SLACK_WEBHOOK_URL}`).
 */
function withReferences(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withReferences);
  if (node === null || typeof node !== 'object') return node;
  const out = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, key === 'properties' || key === '$defs' ? mapValues(value, withReferences) : withReferences(value)]));
  const shaped = out.type === 'string' && ('pattern' in out || 'format' in out || 'enum' in out);
  return shaped ? { anyOf: [out, REFERENCE] } : out;
}

function mapValues(record: unknown, f: (value: unknown) => unknown): unknown {
  return Object.fromEntries(Object.entries(record as Record<string, unknown>).map(([key, value]) => [key, f(value)]));
}

/** One schema per form of the connector type (Jira has two deployments): its `type`, its own keys, the shared keys. */
function connectorJsonSchemas(plugin: ConnectorPlugin): JsonSchema[] {
  const shared = generate(connectorCommon.extend({ type: z.literal(plugin.type) }));
  const own = generate(plugin.options);
  const { type, ...common } = shared.properties!;
  return (own.oneOf ?? [own]).map((form) => ({
    type: 'object',
    properties: { type: type!, ...form.properties, ...common },
    required: [...new Set([...(shared.required ?? []), ...(form.required ?? [])])],
    additionalProperties: false,
  }));
}

function generate(schema: z.ZodType): JsonSchema {
  const { $schema: _, ...json } = z.toJSONSchema(schema, AS_WRITTEN) as JsonSchema;
  // Definitions of a connector's own could not be merged into the config's: none are expected.
  if (json.$defs) throw new Error('a connector schema with $defs: merge them into the config schema');
  return json;
}
