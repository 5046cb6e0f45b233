// `npm start`: the desktop app, its Electron binary downloaded on the first start where that can
// work; otherwise (or with --web) the same manager and dashboard served to a browser. The logic
// is TypeScript in scripts/start/, loaded through tsx because this runs before any build.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';

register();
const { main } = await import('./start/main.ts');
process.exit(await main(fileURLToPath(new URL('..', import.meta.url)), process.argv.slice(2), process.env));
