// Peer addresses as the command line gives them ("1,:3030" → host '' and port 3030) and how an
// empty host is read: connect to loopback; listen on all interfaces when a cluster secret guards
// the port, otherwise on loopback only, so an unauthenticated dev cluster is not reachable from
// the network by accident. An explicit host is always used as given.

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

export function connectHost(address: PeerAddress): string {
  return address.host === '' ? '127.0.0.1' : address.host;
}

/** `undefined` lets node:http bind every interface (IPv6 and IPv4 where available). */
export function listenHost(address: PeerAddress, secret: string): string | undefined {
  if (address.host !== '') return address.host;
  return secret === '' ? '127.0.0.1' : undefined;
}

export function formatAddress(address: PeerAddress): string {
  const host = connectHost(address);
  return `${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
