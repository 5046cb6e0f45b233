// The manager's Server-Sent Events parser: any split of the bytes, any line ending, comments and
// multi-line data read as the spec says.
import { describe, expect, it } from 'vitest';
import { SseParser, type SseMessage } from '../../../electron/manager/clusters/sse-parser';

const bytes = (text: string) => new TextEncoder().encode(text);

function parseInPieces(text: string, size: number): SseMessage[] {
  const parser = new SseParser();
  const all = bytes(text);
  const out: SseMessage[] = [];
  for (let i = 0; i < all.length; i += size) out.push(...parser.push(all.subarray(i, i + size)));
  return out;
}

describe('SseParser', () => {
  const stream = 'retry: 1000\n\n: ping\n\nevent: node\ndata: {"a":"é"}\n\r\nevent:node\r\ndata:x\rdata: y\r\rdata: plain\n\n';
  const expected = [
    { event: 'node', data: '{"a":"é"}' },
    { event: 'node', data: 'x\ny' },
    { event: 'message', data: 'plain' },
  ];

  it('reads events, comments, CR/LF/CRLF line ends and joined data lines', () => {
    const parser = new SseParser();
    expect(parser.push(bytes(stream))).toEqual(expected);
    expect(parser.retryMs).toBe(1000);
  });

  it('gives the same messages however the bytes are split (mid-line, mid-CRLF, mid-character)', () => {
    for (const size of [1, 2, 3, 5, 7, 13]) expect(parseInPieces(stream, size)).toEqual(expected);
  });

  it('holds an unterminated block until its blank line arrives', () => {
    const parser = new SseParser();
    expect(parser.push(bytes('event: node\ndata: 1\n'))).toEqual([]);
    expect(parser.push(bytes('\n'))).toEqual([{ event: 'node', data: '1' }]);
    expect(parser.push(bytes('event: empty\n\n'))).toEqual([]);
  });
});
