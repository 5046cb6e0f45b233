// One remote node's event stream against a real HTTP server: the client token is sent, only
// well-formed events of that node pass, and a dropped stream is reported and reopened.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeEvent } from '../../../node-runtime/common/node-events';
import { NodeAccess } from '../../../electron/manager/clusters/node-access';
import { NodeEventStream } from '../../../electron/manager/clusters/node-event-stream';
import { waitFor } from '../../fixtures/manager/helpers';

const role = (node: number, seq: number) => ({ node, seq, runStartedAt: 1, time: 2, type: 'role', role: 'leader', term: 3, leaderId: node, votedFor: node });
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

describe('NodeEventStream', () => {
  it('passes only valid events of its node, and reopens a dropped stream', async () => {
    const responses: ServerResponse[] = [];
    const tokens: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      tokens.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': hello\n\n');
      responses.push(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const access = new NodeAccess({ ca: null, token: 'tok', secret: () => null, ownNodes: () => [{ httpUrl: url }] });
    const events: NodeEvent[] = [];
    const opened: boolean[] = [];
    const stream = new NodeEventStream(1, url, access, { onEvent: (e) => events.push(e), onOpen: (open) => opened.push(open), initialRetryMs: 20 });
    cleanups.push(() => {
      stream.close();
      access.close();
      server.closeAllConnections();
      server.close();
    });

    await waitFor('the stream to open', () => opened.at(-1) === true);
    const first = responses[0] as ServerResponse;
    first.write('event: node\ndata: {not json\n\n');
    first.write(`event: node\ndata: ${JSON.stringify({ ...role(1, 1), term: -1 })}\n\n`);
    first.write(`event: node\ndata: ${JSON.stringify(role(2, 1))}\n\n`);
    first.write(`event: other\ndata: ${JSON.stringify(role(1, 1))}\n\n`);
    first.write(`event: node\ndata: ${JSON.stringify(role(1, 2))}\n\n`);
    await waitFor('the valid event', () => events.length > 0);
    expect(events.map((e) => [e.node, e.seq])).toEqual([[1, 2]]);
    expect(tokens).toEqual(['Bearer tok']);

    first.destroy();
    await waitFor('a second connection after the drop', () => responses.length === 2);
    await waitFor('the stream to open again', () => opened.at(-1) === true);
    expect(opened).toEqual([true, false, true]);
    (responses[1] as ServerResponse).write(`event: node\ndata: ${JSON.stringify(role(1, 3))}\n\n`);
    await waitFor('the event after reconnecting', () => events.length === 2);

    stream.close();
    expect(opened.at(-1)).toBe(false);
  });
});
