/**
 * The commands beyond run and validate, one installer each (ui, publish,
 * import-nginx, …), registered on the program in this order.
 */
import type { Command } from 'commander';
import { installPublish } from './publish.js';
import { installUi } from './ui.js';
import { installDesktop } from './desktop.js';
import { installSchema } from './schema.js';
import { installNginxCommands } from './nginx.js';
import { installCa } from './ca.js';
import { installClient } from './client.js';

export type CommandInstaller = (program: Command) => void;

export const COMMANDS: CommandInstaller[] = [
  installUi,
  installDesktop,
  installPublish,
  installSchema,
  installNginxCommands,
  installCa,
  installClient,
];
