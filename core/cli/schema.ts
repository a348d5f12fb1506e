/**
 * `sluice schema [FILE]`: the JSON Schema of the config document (generated
 * from the zod schema), for editors — `# yaml-language-server: $schema=…`.
 * Prints it, or writes FILE. The copy in build/sluice.schema.json is made
 * with `npm run -s sluice -- schema build/sluice.schema.json` (a test checks
 * it is current).
 */
import type { Command } from 'commander';
import { configJsonSchema } from '../config/index.js';
import { writeFileAtomic } from '../engine/config-file.js';

/** The schema as it is written to disk: 2-space JSON with a final newline. */
export function schemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

/** Adds the `schema` command. */
export function installSchema(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of the config document (for editors), or write it to FILE')
    .argument('[file]', 'write the schema here instead of printing it')
    .action(async (file?: string) => {
      if (file) {
        await writeFileAtomic(file, schemaText());
        console.error(`wrote ${file}`);
      } else {
        process.stdout.write(schemaText());
      }
    });
}
