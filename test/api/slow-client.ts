// A client that sends a request head and the start of its body, then either goes silent or
// trickles `dripBytes` (one) every `dripMs`: the stalled and slow uploads of issue #15's limits.
import net from 'node:net';

/**
 * Resolves with the raw answer once the node closes the connection. The drip stops at the first
 * byte of an answer, as a real client's would. A node that cuts a body still arriving closes with
 * unread bytes, so its kernel resets the connection: the answer, already received, is kept.
 */
export function slowRequest(port: number, head: string, options: { first?: string; dripMs?: number; dripBytes?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(head + (options.first ?? '')));
    const drip = options.dripMs ? setInterval(() => socket.write('x'.repeat(options.dripBytes ?? 1)), options.dripMs) : undefined;
    let answer = '';
    socket.setEncoding('utf8').on('data', (text: string) => {
      clearInterval(drip);
      answer += text;
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearInterval(drip);
      resolve(answer);
    });
  });
}
