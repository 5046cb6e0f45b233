#!/usr/bin/env node
// `npx dfs-node` in a checkout. The installed package (packages/dfs-node) runs its bundle directly.
import { runCommand } from './run-command.js';

await runCommand({ bundle: 'dist/node/dfs-node.mjs', source: 'node-runtime/node/cli.ts' });
