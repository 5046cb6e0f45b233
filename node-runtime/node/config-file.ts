// The node's configuration file (`--config file.json`, the seed's format): read at start, watched
// with chokidar so edits apply live, and the start-up errors a user can fix.
import { readFile } from 'node:fs/promises';
import { watch } from 'chokidar';
import type { Logger } from 'pino';
import { logLevelSchema, type LogLevel } from '../common/config';
import { parseConfigFile } from '../common/seed-config';
import type { ConfigService } from '../services/config-service';

/** A start-up problem the user can fix; the CLI prints its message alone. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export async function readConfigFile(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (err) {
    throw new StartupError(`cannot read the config file ${file}: ${(err as Error).message}`);
  }
}

/** The parsed file, or a StartupError naming every problem. */
export function parseOrThrow(json: unknown) {
  const parsed = parseConfigFile(json);
  if (!parsed.ok) throw new StartupError(`invalid config file: ${parsed.issues.map((i) => `${i.key}: ${i.message}`).join('; ')}`);
  return parsed;
}

/** A log level from the command line or environment, refused loudly when misspelt. */
export function levelSetting(raw: string | undefined, from: string): { logLevel?: LogLevel } {
  if (raw === undefined) return {};
  const parsed = logLevelSchema.safeParse(raw);
  if (!parsed.success) throw new StartupError(`${from}: unknown log level "${raw}" (use DEBUG, INFO, WARN or ERROR)`);
  return { logLevel: parsed.data };
}

/** Applies edits of the config file live; an invalid edit is logged and the running config stays. */
export function watchConfigFile(file: string, config: ConfigService, logger: Logger) {
  const watcher = watch(file, { awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 25 }, ignoreInitial: true });
  watcher.on('change', () => {
    void readConfigFile(file)
      .then((json) => {
        config.applyFile(json, true);
        logger.info({ file }, 'config file changed; applied');
      })
      .catch((err: Error) => logger.error({ file, err: err.message }, 'config file edit ignored: invalid'));
  });
  return watcher;
}
