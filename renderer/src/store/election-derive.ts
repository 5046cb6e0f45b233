// What of an election the Raft view shows at a given moment, from the recent role and vote
// events. An election on loopback is over in a few milliseconds; each step stays on screen long
// enough to be seen (a campaign for CAMPAIGN_SHOWN_MS, a vote message for its flight).
import type { NodeEvent } from '../../../node-runtime/common/node-events';
import type { ReceivedNodeEvent } from './state';

export const CAMPAIGN_SHOWN_MS = 1_500;
export const VOTE_FLIGHT_MS = 900;
export const APPEND_FLIGHT_MS = 600;

export interface Campaign {
  readonly node: number;
  readonly role: 'preCandidate' | 'candidate';
  readonly term: number;
  /** When the dashboard heard of it. */
  readonly at: number;
}

export interface VoteMessage {
  readonly key: string;
  readonly kind: 'request' | 'grant';
  readonly from: number;
  readonly to: number;
  readonly term: number;
  readonly preVote: boolean;
  readonly at: number;
}

/** Each node's latest campaign that started less than CAMPAIGN_SHOWN_MS before `now`. */
export function recentCampaigns(events: readonly ReceivedNodeEvent[], now: number): Campaign[] {
  const latest = new Map<number, Campaign>();
  for (const { event, at } of events) {
    if (event.type !== 'role' || now - at > CAMPAIGN_SHOWN_MS) continue;
    if (event.role === 'candidate' || event.role === 'preCandidate') latest.set(event.node, { node: event.node, role: event.role, term: event.term, at });
  }
  return [...latest.values()].sort((a, b) => a.node - b.node);
}

/** Vote requests and grants still in flight on screen. */
export function votesInFlight(events: readonly ReceivedNodeEvent[], now: number): VoteMessage[] {
  return events
    .filter((e): e is ReceivedNodeEvent & { event: Extract<NodeEvent, { type: 'voteRequested' | 'voteGranted' }> } =>
      (e.event.type === 'voteRequested' || e.event.type === 'voteGranted') && now - e.at <= VOTE_FLIGHT_MS,
    )
    .map(({ event, at }) => ({
      key: `${event.node}-${event.runStartedAt}-${event.seq}`,
      kind: event.type === 'voteRequested' ? ('request' as const) : ('grant' as const),
      from: event.node,
      to: event.to,
      term: event.term,
      preVote: event.preVote,
      at,
    }));
}

export function describeCampaign(c: Campaign): string {
  return `Node ${c.node} ${c.role === 'candidate' ? 'is a candidate' : 'is a pre-candidate'} for term ${c.term}`;
}

export function describeVote(v: VoteMessage): string {
  const what = v.preVote ? 'pre-vote' : 'vote';
  return v.kind === 'request' ? `Node ${v.from} asks node ${v.to} for its ${what} in term ${v.term}` : `Node ${v.from} grants node ${v.to} its ${what} in term ${v.term}`;
}

/** AppendEntries that reached a follower: the leader saw its match index move. */
export interface AppendMessage {
  readonly key: string;
  readonly from: number;
  readonly to: number;
  /** Entries the follower confirmed with it. */
  readonly entries: number;
  readonly at: number;
}

/**
 * Appends still flying on screen: each time a leader's progress event shows a follower's match
 * index above the one in that leader's previous event, a dot for the entries it carried.
 */
export function appendsInFlight(events: readonly ReceivedNodeEvent[], now: number): AppendMessage[] {
  const lastMatch = new Map<string, number>();
  const flying: AppendMessage[] = [];
  for (const { event, at } of events) {
    if (event.type !== 'progress' || at > now) continue;
    for (const peer of event.peers) {
      const link = `${event.node}-${event.runStartedAt}-${peer.id}`;
      const before = lastMatch.get(link);
      lastMatch.set(link, peer.match);
      if (before !== undefined && peer.match > before && now - at <= APPEND_FLIGHT_MS) {
        flying.push({ key: `${link}-${peer.match}`, from: event.node, to: peer.id, entries: peer.match - before, at });
      }
    }
  }
  return flying;
}

export function describeAppend(a: AppendMessage): string {
  return `Node ${a.from} replicates ${a.entries} ${a.entries === 1 ? 'entry' : 'entries'} to node ${a.to}`;
}
