// The client API token (issue #15): from --api-token-file (the flag wins) or DFS_API_TOKEN. A file
// keeps the token out of the process list and the environment of child processes; it is read once
// at start, and a token that cannot be read, or is empty, stops the start with one line.
import { readFile } from 'node:fs/promises';
import { StartupError } from './config-file';

export async function loadApiToken(file: string | undefined, env: string | undefined): Promise<string | null> {
  let token: string | undefined;
  if (file !== undefined) {
    try {
      token = (await readFile(file, 'utf8')).trim();
    } catch (err) {
      throw new StartupError(`cannot read the API token file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (token === '') throw new StartupError(`the API token file ${file} is empty`);
  } else {
    token = env;
  }
  if (token === undefined || token === '') return null;
  // The token travels as "Authorization: Bearer <token>": whitespace would split it.
  if (/\s/.test(token)) throw new StartupError('the API token must not contain whitespace');
  return token;
}
