// TLS for a node's ports (issue #15): the same certificate, key and CA serve the client API, the
// S3 endpoint and the peer port, and the node presents them when it dials a peer or forwards to a
// leader. On the peer port both sides show a certificate signed by the cluster's CA (mutual TLS),
// so a process that merely knows an address cannot even open a Raft stream.
//
// A TLS port is fronted by a plain listener that looks at the first byte of a connection: a TLS
// handshake goes on to the HTTPS server, anything else (a plain-HTTP client) gets one clear
// answer saying to use https, instead of a connection reset it cannot explain.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** The CA that signed every node's certificate; peers and leaders are verified against it. */
  readonly ca: Buffer;
}

/** A served port: the HTTP(S) server handles requests; `listener` is what listens on the port. */
export interface ServedPort {
  readonly server: http.Server;
  /** The server itself for plain HTTP; with TLS, the front that turns plain-HTTP clients away. */
  readonly listener: net.Server;
  readonly scheme: 'http' | 'https';
}

/** The first byte of every TLS connection: a handshake record. */
const TLS_HANDSHAKE = 0x16;
/** A connection that sends nothing for this long, before its protocol is even known, is closed. */
const FIRST_BYTE_TIMEOUT_MS = 10_000;

/**
 * An HTTP server, or with `tls` an HTTPS one behind a front that answers plain HTTP with 400
 * `tls_required`. `verifyClients` asks every client for a certificate signed by the CA (the peer port).
 */
export function createServedPort(tls: TlsMaterial | null, options: http.ServerOptions & { verifyClients?: boolean }, onRequest?: http.RequestListener): ServedPort {
  const { verifyClients = false, ...serverOptions } = options;
  if (!tls) {
    const server = http.createServer(serverOptions, onRequest);
    return { server, listener: server, scheme: 'http' };
  }
  const secure = https.createServer({ ...serverOptions, ...tls, requestCert: verifyClients, rejectUnauthorized: verifyClients }, onRequest);
  // https.Server serves HTTP exactly as http.Server does (the same request, upgrade and timeout
  // machinery); the node's types only lack the declaration.
  const server = secure as unknown as http.Server;
  // noDelay as http.createServer sets it: the sockets the HTTPS server takes from this front
  // would otherwise keep Nagle's algorithm, holding an answer's later writes for an ACK.
  const listener = net.createServer({ noDelay: true }, (socket) => routeByFirstByte(socket, secure));
  listener.on('close', () => secure.close());
  return { server, listener, scheme: 'https' };
}

const plainHttpBody = JSON.stringify({
  error: 'tls_required',
  detail: 'this port speaks HTTPS only: use https:// (with curl, --cacert <the cluster CA>)',
});
const plainHttpAnswer =
  `HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: application/json\r\n` +
  `Content-Length: ${Buffer.byteLength(plainHttpBody)}\r\n\r\n${plainHttpBody}`;

function routeByFirstByte(socket: net.Socket, secure: https.Server): void {
  socket.on('error', () => socket.destroy());
  socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy());
  socket.once('data', (first: Buffer) => {
    socket.pause();
    socket.setTimeout(0);
    // The TLS socket that wraps this one takes what was read so far as the start of its handshake.
    socket.unshift(first);
    if (first[0] === TLS_HANDSHAKE) {
      socket.removeAllListeners('error');
      secure.emit('connection', socket);
    } else {
      socket.end(plainHttpAnswer);
    }
  });
}

/** What a node presents and trusts when it dials another node over TLS. */
export function tlsClientOptions(tls: TlsMaterial): https.AgentOptions {
  return { cert: tls.cert, key: tls.key, ca: tls.ca };
}

/** `request` for the agent's protocol: an https.Agent carries TLS, an http.Agent does not. */
export function requestFor(agent: http.Agent): typeof http.request {
  return agent instanceof https.Agent ? https.request : http.request;
}

/**
 * Sends one request to another node's API (a write forwarded to the leader). `reuse`: on a
 * kept-alive connection when one is idle; otherwise on a new connection (see api/forward.ts).
 */
export type NodeApiRequest = (url: URL, options: http.RequestOptions, onResponse: (answer: http.IncomingMessage) => void, reuse?: boolean) => http.ClientRequest;

/**
 * An idle kept-alive connection is closed after this, before the other node's server would close
 * it (Node's keepAliveTimeout, 5 s): a request is never sent on a socket the server is closing.
 */
const IDLE_CONNECTION_MS = 4_000;

/** Requests to other nodes' APIs, over HTTPS verified against the cluster's CA when the URL says https. */
export function nodeApiRequester(tls: TlsMaterial | null): NodeApiRequest {
  const tlsOptions = tls ? tlsClientOptions(tls) : {};
  const fresh = { plain: new http.Agent({ keepAlive: false }), secure: new https.Agent({ keepAlive: false, ...tlsOptions }) };
  const kept = { plain: new http.Agent({ keepAlive: true, timeout: IDLE_CONNECTION_MS }), secure: new https.Agent({ keepAlive: true, timeout: IDLE_CONNECTION_MS, ...tlsOptions }) };
  return (url, options, onResponse, reuse = false) => {
    const agents = reuse ? kept : fresh;
    return url.protocol === 'https:' ? https.request(url, { ...options, agent: agents.secure }, onResponse) : http.request(url, { ...options, agent: agents.plain }, onResponse);
  };
}
