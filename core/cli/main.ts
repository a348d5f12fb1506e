/**
 * The `sluice` command line. Every command has --help; errors are one clear
 * line and a non-zero exit.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { formatConfigError } from '../config/index.js';
import { loadConfigFile } from '../engine/config-file.js';
import { runCommand } from './run.js';
import { COMMANDS } from './commands.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command()
  .name('sluice')
  .description(
    'A workbench for streaming servers: SSE mocks, chunked responses, bandwidth limits, a streaming proxy and a TCP/UDP balancer.',
  )
  .version(pkg.version);

program
  .command('run')
  .description('run the engine headless; SIGINT/SIGTERM drain and exit 0, SIGHUP reloads the file')
  .argument('<config>', 'config file (YAML or JSON)')
  .action((file: string) => runCommand(file));

program
  .command('validate')
  .description('check a config file: exit 0, or print every error as file:line:col: message and exit 1')
  .argument('<config>', 'config file (YAML or JSON)')
  .action(async (file: string) => {
    const r = await loadConfigFile(file);
    if (r.ok) {
      console.log(`${file}: ok`);
      return;
    }
    for (const e of r.errors) console.error(formatConfigError({ ...e, file }));
    process.exitCode = 1;
  });

for (const install of COMMANDS) install(program);

await program.parseAsync(process.argv);
