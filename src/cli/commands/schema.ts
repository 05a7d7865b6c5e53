import { configJsonSchema } from '../../config/json-schema.js';

/** The config's JSON Schema, as `schema/config.schema.json` holds it: for editors and CI linters. */
export function schemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

export function schemaCommand(): void {
  process.stdout.write(schemaText());
}
