// The S3 endpoint as node start-up sees it: one call with the node's services and transport.
// Followers learn where the leader serves S3 by asking it over the peer transport (the node API
// URL each peer announces does not say), cached until leadership moves.
import type { Logger } from 'pino';
import type { S3Services } from './s3-services';
import { loadS3Credentials } from './credentials';
import { startS3Endpoint, type NodeLinks, type S3Endpoint, type S3EndpointOptions } from './s3-server';
import { UploadSweeper } from './upload-sweeper';

const S3_URL_RPC = 's3-url' as const;

/** What the S3 endpoint needs of the peer transport: its one RPC (transport/protocol.ts), both ends. */
export interface PeerRpc {
  answer(name: typeof S3_URL_RPC, handler: () => string): void;
  call(peerId: number, name: typeof S3_URL_RPC, request: Record<string, never>, options?: { timeoutMs?: number }): Promise<string>;
}

export interface S3StartOptions extends NodeLinks {
  readonly services: S3Services;
  readonly listen: { readonly host: string; readonly port: number };
  readonly insecure: boolean;
  readonly advertise: S3EndpointOptions['advertise'];
  readonly peers: PeerRpc;
  readonly logger: Logger;
  readonly env: NodeJS.ProcessEnv;
}

export async function startS3(options: S3StartOptions): Promise<S3Endpoint> {
  const { services, peers } = options;
  const credentials = await loadS3Credentials(options.env);
  let cached: { leaderId: number; url: string } | null = null;
  const endpoint = await startS3Endpoint({
    services,
    listen: options.listen,
    insecure: options.insecure,
    advertise: options.advertise,
    serve: options.serve,
    requestNode: options.requestNode,
    credentials,
    logger: options.logger,
    leader: {
      selfId: services.id,
      request: options.requestNode,
      url: async () => {
        const { leaderId } = services.leader();
        if (leaderId === null) return null;
        if (cached?.leaderId === leaderId) return cached.url;
        const url = await peers.call(leaderId, S3_URL_RPC, {}, { timeoutMs: 2_000 }).catch(() => null);
        if (url === null) return null;
        cached = { leaderId, url };
        return url;
      },
    },
  });
  peers.answer(S3_URL_RPC, () => endpoint.url);
  const sweeper = new UploadSweeper(services, options.logger, options.env);
  sweeper.start();
  return {
    url: endpoint.url,
    server: endpoint.server,
    close: async () => {
      sweeper.stop();
      await endpoint.close();
    },
  };
}
