// The NodeServices the HTTP API is given (ports.ts): each route's service, taken from the parts
// built in build-services.ts, plus the node's live request limits, authorization and fault rules.
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ApiError } from '../common/errors';
import type { FaultRules, NodeServices } from '../ports';
import { isAuthorized } from '../transport/auth';
import type { Transport } from '../transport';
import { PROPOSAL_TIMEOUT_MS, type NodeParts } from './build-services';
import type { RaftPart } from './build-raft';
import type { StartupInputs } from './startup-inputs';

export interface ApiServiceSources {
  readonly inputs: StartupInputs;
  readonly parts: NodeParts;
  readonly raft: RaftPart;
  readonly transport: Transport;
  readonly metrics: Registry;
  readonly startedAt: number;
}

export function apiServices({ inputs, parts, raft, transport, metrics, startedAt }: ApiServiceSources): NodeServices {
  const { options, secret, apiToken, logger } = inputs;
  const { reporter, recovery, config, leader, background } = parts;
  return {
    id: options.id,
    startedAt,
    status: () => reporter.status(),
    stats: () => reporter.stats(),
    recovery: () => recovery.status(),
    config: () => config.view(),
    updateConfig: (patch) => config.update(patch),
    leader: () => leader.view(),
    awaitLeader: (unreachable) => leader.awaitLeader(config.nodeSettings().leaderWaitMs, unreachable ?? null),
    isReady: () => leader.isReady(),
    readBarrier: async () => {
      // A ReadIndex asked with no leader is dropped by the core: wait through an election first.
      const view = await leader.awaitLeader(config.nodeSettings().leaderWaitMs);
      if (view.leaderId === null) throw new ApiError('no_quorum', 'no leader was elected within the wait for one (no quorum?); retry shortly');
      await raft.driver.readBarrier(PROPOSAL_TIMEOUT_MS);
    },
    takeLeadership: () => leader.takeLeadership(),
    startScrub: () => background.startScrub(),
    backup: () => parts.backup.start(),
    files: parts.files,
    locks: parts.locks,
    membership: parts.membership,
    faults: options.faultInjection ? faultRules(transport, logger) : null,
    limits: () => {
      const { bodyIdleTimeoutMs, openHealthRoutes, maxConcurrentUploads } = config.nodeSettings();
      return { bodyIdleTimeoutMs, openHealthRoutes, maxConcurrentUploads };
    },
    // The cluster secret also opens client routes: membership changes carry it in the same header.
    isAuthorizedClient: (headers: IncomingHttpHeaders) => apiToken === null || isAuthorized(headers, apiToken) || (secret !== '' && isAuthorized(headers, secret)),
    hasClusterSecret: (headers: IncomingHttpHeaders, strict: boolean) => (secret !== '' || !strict) && isAuthorized(headers, secret),
    metrics,
    requestNode: parts.requestNode,
    events: parts.events,
    traffic: parts.traffic,
  };
}

/** --fault-injection: peer links cut on request (partitions for demos and tests). */
function faultRules(transport: Pick<Transport, 'setBlockedPeers'>, logger: Logger): NonNullable<NodeServices['faults']> {
  let current: FaultRules = { blockedPeers: [], ignoredPeers: [] };
  return {
    setRules(rules) {
      current = { blockedPeers: [...new Set(rules.blockedPeers)], ignoredPeers: [...new Set(rules.ignoredPeers)] };
      transport.setBlockedPeers(current.blockedPeers, current.ignoredPeers);
      logger.warn(current, 'fault injection: peer links changed');
    },
    rules: () => current,
  };
}
