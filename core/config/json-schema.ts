/**
 * JSON Schema of the config document, generated from the zod schema, for
 * editors: `# yaml-language-server: $schema=./sluice.schema.json`.
 */
import { z } from 'zod';
import { configSchema } from './schema.js';

/** The JSON Schema (draft 2020-12) of what a user may write. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as Record<string, unknown>;
  return { ...schema, $id: 'https://sluice.dev/schema/config-v1.json', title: 'Sluice config' };
}
