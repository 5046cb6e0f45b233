// The manager's HTTP client for one node: cheap polls with timeouts, parsed with the shared
// schemas at this edge, and the control calls (leadership, membership, fault rules). Requests go
// through the cluster's NodeAccess (its CA, and its token and secret for its own nodes only).
import type { z } from 'zod';
import {
  configViewSchema,
  nodeStatusSchema,
  recoveryStatusSchema,
  statsSchema,
  type ConfigView,
  type NodeStatus,
  type RecoveryStatus,
  type Stats,
} from '../../../node-runtime/common/api-types';
import { ApiError, apiErrorBodySchema } from '../../../node-runtime/common/errors';
import type { NodeAccess } from './node-access';

export class NodeClient {
  constructor(
    readonly nodeId: number,
    readonly baseUrl: string,
    private readonly access: NodeAccess,
    private readonly timeoutMs = 400,
  ) {}

  async livez(): Promise<boolean> {
    try {
      const res = await this.access.fetch(`${this.baseUrl}/livez`, { signal: AbortSignal.timeout(this.timeoutMs) });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  status(): Promise<NodeStatus> {
    return this.getJson('/status', nodeStatusSchema);
  }

  stats(): Promise<Stats> {
    return this.getJson('/stats', statsSchema);
  }

  recovery(): Promise<RecoveryStatus> {
    return this.getJson('/recovery/status', recoveryStatusSchema);
  }

  config(): Promise<ConfigView> {
    return this.getJson('/config', configViewSchema);
  }

  /** Asks this node to campaign and take leadership. */
  async requestVote(): Promise<void> {
    await this.send('POST', '/leader/vote');
  }

  /** On the leader: adds a node (as a learner, promoted once it caught up). */
  async addMember(member: { id: number; peerAddress: string; httpUrl: string }): Promise<void> {
    await this.send('POST', '/cluster/members', member, this.secretHeaders() ?? {});
  }

  async removeMember(id: number): Promise<void> {
    await this.send('DELETE', `/cluster/members/${id}`, undefined, this.secretHeaders() ?? {});
  }

  /** Membership routes and fault rules need the cluster secret when the nodes have one. */
  private secretHeaders(): Record<string, string> | null {
    return this.access.secretHeaders(new URL(this.baseUrl));
  }

  /** Replaces this node's fault rules: it drops all traffic to and from `blockedPeers`. */
  async setBlockedPeers(blockedPeers: readonly number[]): Promise<void> {
    const secret = this.secretHeaders();
    if (secret === null) {
      throw new ApiError('conflict', `no cluster secret is known for node ${this.nodeId}, so faults cannot be injected`);
    }
    await this.send('PUT', '/internal/fault', { blockedPeers }, secret);
  }

  private async getJson<T>(route: string, schema: z.ZodType<T>): Promise<T> {
    const res = await this.access.fetch(`${this.baseUrl}${route}`, { signal: AbortSignal.timeout(this.timeoutMs) });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`node ${this.nodeId} answered GET ${route} with ${res.status}`);
    }
    const parsed = schema.safeParse(await res.json());
    if (!parsed.success) throw new Error(`node ${this.nodeId} sent a malformed GET ${route}: ${parsed.error.message}`);
    return parsed.data;
  }

  /** A control call; a node's error body becomes an ApiError the control API passes on. */
  private async send(method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<void> {
    let res: Response;
    try {
      res = await this.access.fetch(`${this.baseUrl}${route}`, {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(5_000),
      });
    } catch (err) {
      // fetch hides the reason (refused, reset, timeout) in `cause`.
      const cause = (err as Error).cause instanceof Error ? `: ${((err as Error).cause as Error).message}` : '';
      throw new ApiError('unavailable', `node ${this.nodeId} (${this.baseUrl}) did not answer ${method} ${route}: ${(err as Error).message}${cause}`);
    }
    const text = await res.text();
    if (res.ok) return;
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not an error body: reported with the status below.
    }
    const error = apiErrorBodySchema.safeParse(parsed);
    if (error.success) throw new ApiError(error.data.error, `node ${this.nodeId}: ${error.data.detail}`);
    throw new ApiError(res.status >= 500 ? 'unavailable' : 'bad_request', `node ${this.nodeId} answered ${method} ${route} with ${res.status}`);
  }
}
