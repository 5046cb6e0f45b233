// What a node reads before it opens anything: the config file (which may set the log level and
// the HTTP port), the log level from env and flags, the cluster secret and the client API token.
// Every problem here is a StartupError, which the CLI prints as one line.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { NODE_DEFAULTS, type NodeSettings } from '../common/config';
import { loadApiToken } from './api-token';
import type { NodeOptions } from './cli-options';
import { levelSetting, parseOrThrow, readConfigFile } from './config-file';
import { devClusterSecret } from './dev-secret';
import { createLogger } from './logger';
import { loadTlsMaterial } from './tls-files';
import type { TlsMaterial } from '../transport/tls';

export interface StartupInputs {
  /** The command line, with the config file's HTTP port applied when no flag or PORT chose one. */
  readonly options: NodeOptions;
  /** Absolute, and created. */
  readonly dataDir: string;
  readonly logger: Logger;
  /** The config file's JSON as read (the config service layers it), if there is a file. */
  readonly fileJson: unknown;
  readonly envSettings: Partial<NodeSettings>;
  readonly flagSettings: Partial<NodeSettings>;
  /** DFS_CLUSTER_SECRET, or the dev secret shared beside the data directories. */
  readonly secret: string;
  /** The secret is the generated dev secret, which is for one machine only. */
  readonly devSecret: boolean;
  readonly apiToken: string | null;
  /** --tls-cert, --tls-key, --tls-ca as read; null for plain HTTP and TCP. */
  readonly tls: TlsMaterial | null;
}

export async function readStartupInputs(cli: NodeOptions, env: NodeJS.ProcessEnv): Promise<StartupInputs> {
  const dataDir = path.resolve(cli.dataDir);
  await mkdir(dataDir, { recursive: true });

  // Config file first: it may set the log level the logger starts with.
  const fileJson = cli.configFile ? await readConfigFile(cli.configFile) : undefined;
  const fileConfig = fileJson === undefined ? undefined : parseOrThrow(fileJson);
  // The seed's config file names the HTTP port; flags and PORT still win over it.
  const filePort = fileConfig?.identity.port;
  const options = cli.httpDefaulted && filePort !== undefined ? { ...cli, http: { ...cli.http, port: filePort } } : cli;
  const envSettings = levelSetting(options.envLogLevel, 'LOG_LEVEL');
  const flagSettings = levelSetting(options.logLevel, '--log-level');
  const logger = createLogger(options.id, flagSettings.logLevel ?? envSettings.logLevel ?? fileConfig?.node.logLevel ?? NODE_DEFAULTS.logLevel);

  const configuredSecret = env.DFS_CLUSTER_SECRET ?? '';
  const dev = configuredSecret === '' ? await devClusterSecret(dataDir) : null;
  if (dev) {
    logger.info({ devSecretFile: dev.file }, `no DFS_CLUSTER_SECRET: peers authenticate with the secret in ${dev.file}; nodes whose data directories sit elsewhere need DFS_CLUSTER_SECRET`);
  }
  const apiToken = await loadApiToken(options.apiTokenFile, env.DFS_API_TOKEN);
  const tls = await loadTlsMaterial(options.tlsFiles);
  return { options, dataDir, logger, fileJson, envSettings, flagSettings, secret: dev?.secret ?? configuredSecret, devSecret: dev !== null, apiToken, tls };
}
