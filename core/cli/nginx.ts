/**
 * `sluice export-nginx CONFIG` prints the nginx.conf equivalent of a Sluice
 * document; `sluice import-nginx FILE` prints a Sluice document (YAML) for
 * the subset of an nginx.conf Sluice understands, with notes for the rest.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve, isAbsolute } from 'node:path';
import type { Command } from 'commander';
import { formatConfigError } from '../config/index.js';
import { loadConfigFile } from '../engine/config-file.js';
import { exportNginx } from '../nginx/export.js';
import { importNginx } from '../nginx/import.js';

/** Adds both commands to the program. */
export function installNginxCommands(program: Command): void {
  program
    .command('export-nginx')
    .description('print an nginx.conf equivalent of a Sluice config (comments for what nginx cannot express)')
    .argument('<config>', 'Sluice config file (YAML or JSON)')
    .option('--stream-module <path>', 'emit load_module for a dynamic ngx_stream_module.so')
    .action(async (file: string, o: { streamModule?: string }) => {
      const r = await loadConfigFile(file);
      if (!r.ok) {
        for (const e of r.errors) console.error(formatConfigError({ ...e, file }));
        process.exitCode = 1;
        return;
      }
      const base = dirname(resolve(file));
      process.stdout.write(
        exportNginx(r.config, {
          source: file,
          streamModule: o.streamModule,
          resolvePath: (p) => (isAbsolute(p) ? p : resolve(base, p)),
        }),
      );
    });
  program
    .command('import-nginx')
    .description(
      'print a Sluice config (YAML) for an nginx.conf: servers, locations, limit_rate, alias, proxy_pass, upstreams, stream',
    )
    .argument('<file>', 'nginx.conf')
    .action(async (file: string) => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        console.error(
          `${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message}`,
        );
        process.exitCode = 1;
        return;
      }
      const r = importNginx(text, file);
      if (!r.ok) {
        for (const e of r.errors) console.error(`${file}:${e.line}:${e.col}: ${e.message}`);
        process.exitCode = 1;
        return;
      }
      for (const n of r.notes) console.error(`note: ${n}`);
      process.stdout.write(r.yaml);
    });
}
