/**
 * Further commands, one installer each (ui, publish, import-nginx, …), so
 * their owners add them without touching main.ts.
 */
import type { Command } from 'commander';
import { installPublish } from './publish.js';
import { installUi } from './ui.js';
import { installDesktop } from './desktop.js';
import { installSchema } from './schema.js';
import { installNginxCommands } from './nginx.js';

export type CommandInstaller = (program: Command) => void;

export const COMMANDS: CommandInstaller[] = [
  installUi,
  installDesktop,
  installPublish,
  installSchema,
  installNginxCommands,
];
