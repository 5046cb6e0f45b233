#!/usr/bin/env node
// `npx dfsctl` in a checkout. The installed package (packages/dfs-node) runs its bundle directly.
import { runCommand } from './run-command.js';

await runCommand({ bundle: 'packages/dfs-node/dist/dfsctl.mjs', source: 'node-runtime/ctl/cli.ts' });
