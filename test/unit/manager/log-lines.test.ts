import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { forEachLine, levelName, MAX_LINE_CHARS, parseLogLine } from '../../../electron/manager/supervision/log-lines';

describe('parseLogLine', () => {
  it('keeps a pino line: numeric level, time, message, every field', () => {
    const line = parseLogLine(3, 'stdout', '{"level":50,"time":1700000000123,"pid":7,"msg":"append failed","term":4}', 99);
    expect(line).toEqual({
      nodeId: 3,
      source: 'stdout',
      time: 1700000000123,
      level: 'error',
      msg: 'append failed',
      fields: { level: 50, time: 1700000000123, pid: 7, msg: 'append failed', term: 4 },
    });
  });

  it('maps every pino level, rounding custom levels down', () => {
    expect([10, 20, 30, 40, 50, 60, 35, 5, 'WARN', 'nope'].map(levelName)).toEqual(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'info', 'trace', 'warn', null]);
  });

  it('keeps text lines as text, at a level from their stream', () => {
    expect(parseLogLine(1, 'stderr', 'TypeError: x is undefined', 42)).toEqual({
      nodeId: 1, source: 'stderr', time: 42, level: 'error', msg: 'TypeError: x is undefined', fields: { text: 'TypeError: x is undefined' },
    });
    expect(parseLogLine(1, 'stdout', '{not json', 42)).toMatchObject({ level: 'info', msg: '{not json' });
    expect(parseLogLine(1, 'stdout', '[1,2]', 42)).toMatchObject({ level: 'info', msg: '[1,2]' });
  });

  it('falls back to arrival time and stream level for JSON without them', () => {
    expect(parseLogLine(1, 'stderr', '{"hello":"world"}', 42)).toMatchObject({ time: 42, level: 'error', msg: '' });
  });

  it('cuts an overlong line', () => {
    const line = parseLogLine(1, 'stdout', 'x'.repeat(MAX_LINE_CHARS + 10), 0);
    expect(line.msg).toHaveLength(MAX_LINE_CHARS + 1);
  });
});

describe('forEachLine', () => {
  it('reassembles lines split across chunks and flushes the last one at end', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    forEachLine(stream, (l) => lines.push(l));
    stream.write('{"msg":"a"}\n{"ms');
    stream.write('g":"b"}\r\n\n');
    stream.end('tail');
    await new Promise((resolve) => stream.on('end', resolve));
    expect(lines).toEqual(['{"msg":"a"}', '{"msg":"b"}', 'tail']);
  });

  it('delivers an endless line in bounded pieces', () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    forEachLine(stream, (l) => lines.push(l));
    stream.write('y'.repeat(MAX_LINE_CHARS * 2 + 5));
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        expect(lines.map((l) => l.length)).toEqual([MAX_LINE_CHARS, MAX_LINE_CHARS]);
        resolve();
      }),
    );
  });
});
