// JSON log lines on stdout (pino). The level changes live with the node's `logLevel` setting.
// Secrets never reach a log line: the known secret-bearing fields are redacted by path.
import pino from 'pino';
import type { Logger } from 'pino';
import type { LogLevel } from '../common/config';

export function createLogger(nodeId: number, level: LogLevel): Logger {
  return pino({
    level,
    base: { node: nodeId },
    timestamp: pino.stdTimeFunctions.epochTime,
    redact: {
      paths: ['secret', '*.secret', 'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization', 'token', '*.token'],
      censor: '[redacted]',
    },
  });
}
