// Turns a node's stdout/stderr into LogLines: pino JSON lines keep their level, time and message;
// anything else (a stack trace, a Node warning) is kept as text with a level from its stream.
import type { Readable } from 'node:stream';
import type { LogLevel, LogLine, LogSource } from '../../../node-runtime/common/manager-api';

/** Longer lines are cut: one runaway line must not defeat the ring buffer's memory bound. */
export const MAX_LINE_CHARS = 16 * 1024;

const pinoLevels: readonly [number, LogLevel][] = [
  [60, 'fatal'],
  [50, 'error'],
  [40, 'warn'],
  [30, 'info'],
  [20, 'debug'],
  [10, 'trace'],
];

/** pino's numeric level → name; numbers between levels round down, as pino's own filters do. */
export function levelName(level: unknown): LogLevel | null {
  if (typeof level === 'string') {
    const lower = level.toLowerCase();
    return pinoLevels.some(([, name]) => name === lower) ? (lower as LogLevel) : null;
  }
  if (typeof level !== 'number' || !Number.isFinite(level)) return null;
  return pinoLevels.find(([n]) => level >= n)?.[1] ?? 'trace';
}

export function parseLogLine(nodeId: number, source: LogSource, text: string, receivedAt: number): LogLine {
  const line = text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS)}…` : text;
  const fallbackLevel: LogLevel = source === 'stderr' ? 'error' : 'info';
  if (line.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(line);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        const fields = parsed as Record<string, unknown>;
        return {
          nodeId,
          source,
          time: typeof fields.time === 'number' ? fields.time : receivedAt,
          level: levelName(fields.level) ?? fallbackLevel,
          msg: typeof fields.msg === 'string' ? fields.msg : '',
          fields,
        };
      }
    } catch {
      // Not JSON after all (or cut mid-object): kept as text below.
    }
  }
  return { nodeId, source, time: receivedAt, level: fallbackLevel, msg: line, fields: { text: line } };
}

/**
 * Calls `onLine` for each newline-terminated line of `stream` (a final unterminated line is
 * delivered at end). A line longer than MAX_LINE_CHARS is delivered in pieces rather than buffered.
 */
export function forEachLine(stream: Readable, onLine: (line: string) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline).replace(/\r$/, '');
      if (line.length > 0) onLine(line);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
    while (pending.length > MAX_LINE_CHARS) {
      onLine(pending.slice(0, MAX_LINE_CHARS));
      pending = pending.slice(MAX_LINE_CHARS);
    }
  });
  stream.on('end', () => {
    if (pending.length > 0) onLine(pending);
    pending = '';
  });
}
