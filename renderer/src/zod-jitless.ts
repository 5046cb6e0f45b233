// Imported first by main.tsx, before any module that builds a zod schema. Zod 4 probes whether
// it may compile parsers with `new Function` when it builds an object schema (at import time);
// the app's CSP (script-src 'self') refuses, zod catches that, but the browser still reports a
// CSP violation for every window. Jitless zod never probes. The setting is read when a schema is
// built, so it must be set before those modules run: hence a module of its own, imported first.
import { z } from 'zod';

z.config({ jitless: true });
