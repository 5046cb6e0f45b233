#!/usr/bin/env node
// `npx dfs-node` in a checkout: runs the TypeScript sources through tsx, so no build step is
// needed during development. Packaged builds run dist/node/dfs-node.mjs directly instead.
import { register } from 'tsx/esm/api';

register();
await import('../node-runtime/node/cli.ts');
