// Server-Sent Events, parsed as the WHATWG spec reads them: lines end in \n, \r\n or \r (a chunk
// may split any of them, or a UTF-8 character), a blank line dispatches, `data:` lines join with
// \n, `:` starts a comment, one space after the colon is dropped, unknown fields are ignored.
// Pure: bytes in, messages out.

export interface SseMessage {
  /** The `event:` name; "message" when the block named none. */
  readonly event: string;
  readonly data: string;
}

export class SseParser {
  private readonly decoder = new TextDecoder();
  private pending = '';
  /** A chunk ended in \r: a \n starting the next one belongs to the same line end. */
  private afterCr = false;
  private event = '';
  private data: string[] = [];
  /** The last `retry:` the server asked for, in ms. */
  retryMs: number | null = null;

  /** Feeds bytes; returns the messages they completed. */
  push(chunk: Uint8Array): SseMessage[] {
    let text = this.decoder.decode(chunk, { stream: true });
    if (this.afterCr && text.startsWith('\n')) text = text.slice(1);
    this.afterCr = text.endsWith('\r');
    const lines = (this.pending + text).split(/\r\n|\r|\n/);
    this.pending = lines.pop() ?? '';
    const out: SseMessage[] = [];
    for (const line of lines) {
      const message = this.line(line);
      if (message) out.push(message);
    }
    return out;
  }

  private line(line: string): SseMessage | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    return null;
  }

  private dispatch(): SseMessage | null {
    const message = this.data.length === 0 ? null : { event: this.event || 'message', data: this.data.join('\n') };
    this.event = '';
    this.data = [];
    return message;
  }
}
