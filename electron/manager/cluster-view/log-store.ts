// Every node's recent log lines, one bounded ring buffer per node, published to the event bus as
// they arrive so the dashboard tails them live.
import type { LogLevel, LogLine } from '../../../node-runtime/common/manager-api';
import type { EventBus } from './event-bus';
import { RingBuffer } from './ring-buffer';

const levelRank: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

export interface LogQuery {
  readonly nodeId?: number;
  /** Minimum level. */
  readonly level?: LogLevel;
  /** The newest `limit` lines. */
  readonly limit?: number;
}

export class LogStore {
  private readonly buffers = new Map<number, RingBuffer<LogLine>>();

  constructor(
    private readonly bus: EventBus,
    private readonly linesPerNode = 2_000,
  ) {}

  add(line: LogLine): void {
    let buffer = this.buffers.get(line.nodeId);
    if (!buffer) {
      buffer = new RingBuffer<LogLine>(this.linesPerNode);
      this.buffers.set(line.nodeId, buffer);
    }
    buffer.push(line);
    this.bus.emit('log', line);
  }

  /** Oldest first; across nodes ordered by time. */
  query({ nodeId, level, limit = 500 }: LogQuery = {}): LogLine[] {
    const sources = nodeId === undefined ? [...this.buffers.values()] : [this.buffers.get(nodeId)].filter((b) => b !== undefined);
    const minRank = level ? levelRank[level] : 0;
    const lines = sources.flatMap((b) => b.toArray()).filter((l) => levelRank[l.level] >= minRank);
    if (sources.length > 1) lines.sort((a, b) => a.time - b.time);
    return limit >= lines.length ? lines : lines.slice(lines.length - limit);
  }

  forget(nodeId: number): void {
    this.buffers.delete(nodeId);
  }
}

export function isLogLevel(text: string): text is LogLevel {
  return Object.hasOwn(levelRank, text);
}
