#!/usr/bin/env node
// Entry point of the `sluice` command: TypeScript sources run through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../core/cli/main.ts');
