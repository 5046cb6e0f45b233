// Where a node's HTTP API or S3 endpoint listens, and the URL it tells others to use. The two differ
// when a server binds every interface: "0.0.0.0" is no address another machine can dial, and the
// URL a node announces is what followers forward writes to and what clients are redirected to.

/** A bind host that means "every interface" (Node's default for an empty host). */
export function isWildcardHost(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::';
}

/** The host a node announces for a server bound at `boundHost`. An explicit --advertise-host wins;
 *  a wildcard bind announces the host of this node's own --cluster entry (its peers already dial
 *  that name, so it is the one address known to reach this machine); loopback is the last resort. */
export function advertisedHost(boundHost: string, hints: { readonly explicit?: string; readonly peerHost: string }): string {
  if (hints.explicit) return hints.explicit;
  if (!isWildcardHost(boundHost)) return boundHost;
  return isWildcardHost(hints.peerHost) ? '127.0.0.1' : hints.peerHost;
}

/** `http://host:port`, with an IPv6 literal in brackets. */
export function serverUrl(scheme: 'http' | 'https', host: string, port: number): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
