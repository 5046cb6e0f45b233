// The cluster as a ring of nodes (RaftScope style): fill colour is the node's term, the outer arc
// round a follower is its election timer — full when it just heard from its leader, draining as
// the silence grows (a paused or dead leader), gone red once it may campaign — and the lines are
// the leader's replication streams (a dot flies along one for each append the follower confirmed,
// from the leader's pushed progress; a red dashed line is a network cut). While a candidate asks
// for votes, an arrow runs from each node that voted for it in its term to it.
import { useId } from 'react';
import type { ClusterSnapshot, ManagedNode } from '../../../../node-runtime/common/manager-api';
import { EXPLAIN } from '../../format/explain';
import { contactAgeMs, leaderViewOf } from '../../store/cluster-derive';
import { useShownNow } from '../../shell/useNow';
import { settingsFor } from '../../store/config-derive';
import { termColour } from './term-colour';
import { appendsInFlight, describeAppend, describeCampaign, describeVote, recentCampaigns, votesInFlight } from '../../store/election-derive';
import { useApp } from '../../store/context';
import { ElectionOverlay } from './ElectionOverlay';

const SIZE = 400;
const CENTER = SIZE / 2;
const RING = 140;
const NODE_R = 34;

function position(index: number, count: number) {
  const angle = (index / Math.max(1, count)) * 2 * Math.PI - Math.PI / 2;
  return { x: CENTER + RING * Math.cos(angle), y: CENTER + RING * Math.sin(angle) };
}

function arc(x: number, y: number, r: number, fraction: number): string {
  const f = Math.min(0.9999, Math.max(0, fraction));
  const end = 2 * Math.PI * f - Math.PI / 2;
  const ex = x + r * Math.cos(end);
  const ey = y + r * Math.sin(end);
  return `M ${x} ${y - r} A ${r} ${r} 0 ${f > 0.5 ? 1 : 0} 1 ${ex.toFixed(2)} ${ey.toFixed(2)}`;
}

/** What is left of an election timeout after `contact` ms of silence, 0 to 1. */
function timerLeft(contact: number, electionTimeout: number): number {
  return Math.max(0, 1 - contact / electionTimeout);
}

function describe(node: ManagedNode, leaderId: number | null, timer: number | null): string {
  const status = node.report?.status;
  if (!node.reachable || status === undefined) return `Node ${node.id}: unreachable`;
  const role = node.id === leaderId ? 'leader' : status.role;
  const left = timer === null ? '' : `, election timer ${Math.round(timer * 100)}% left`;
  return `Node ${node.id}: ${role}, term ${status.term}, last index ${status.lastIndex}, committed ${status.commitIndex}${left}`;
}

interface Vote {
  readonly voter: number;
  readonly candidate: number;
  readonly term: number;
}

/** Votes for candidates still campaigning: cast in the candidate's current term, by another node. */
function votesInElection(nodes: readonly ManagedNode[]): Vote[] {
  const campaigning = new Map<number, number>();
  for (const n of nodes) {
    const status = n.report?.status;
    if (n.reachable && status?.role === 'candidate') campaigning.set(n.id, status.term);
  }
  const votes: Vote[] = [];
  for (const n of nodes) {
    const status = n.report?.status;
    if (!n.reachable || status === undefined || status.votedFor === null || status.votedFor === n.id) continue;
    if (campaigning.get(status.votedFor) === status.term) votes.push({ voter: n.id, candidate: status.votedFor, term: status.term });
  }
  return votes;
}

/** A candidate's tally as the dashboard sees it: its own vote plus the arrows pointing at it. */
function votesFor(candidate: number, votedForItself: boolean, votes: readonly Vote[]): string {
  const count = votes.filter((v) => v.candidate === candidate).length + (votedForItself ? 1 : 0);
  return `${count} ${count === 1 ? 'vote' : 'votes'}`;
}

const voteText = (v: Vote) => `Node ${v.voter} voted for node ${v.candidate} in term ${v.term}`;

/** Where a line between two node centres meets their circles, so arrows start and end at the rims. */
function rimToRim(from: { x: number; y: number }, to: { x: number; y: number }, gap: number) {
  const length = Math.hypot(to.x - from.x, to.y - from.y) || 1;
  const ux = (to.x - from.x) / length;
  const uy = (to.y - from.y) / length;
  return { x1: from.x + ux * gap, y1: from.y + uy * gap, x2: to.x - ux * gap, y2: to.y - uy * gap };
}

interface RingNodeProps {
  readonly node: ManagedNode;
  readonly p: { readonly x: number; readonly y: number };
  readonly leaderId: number | null;
  /** Time since the leader last heard from this node; null for the leader or when unknown. */
  readonly contact: number | null;
  readonly electionTimeout: number;
  readonly votes: readonly Vote[];
}

/** One node on the ring: its term colour, leader rings, election-timer arc, name and role. */
function RingNode({ node: n, p, leaderId, contact, electionTimeout, votes }: RingNodeProps) {
  const status = n.report?.status;
  const isLeader = n.id === leaderId;
  return (
    <g>
      <title>{describe(n, leaderId, contact === null ? null : timerLeft(contact, electionTimeout))}</title>
      <circle
        cx={p.x}
        cy={p.y}
        r={NODE_R}
        fill={n.reachable && status !== undefined ? termColour(status.term) : 'var(--surface-2)'}
        stroke="var(--border)"
        strokeWidth={2}
        strokeDasharray={status?.role === 'candidate' || status?.role === 'preCandidate' ? '5 4' : undefined}
      />
      {isLeader && (
        // Outside the fill, on the page's background: a term colour can never hide it. A double
        // ring and the word "Leader" below mark it for people who cannot tell the colour.
        <g className="leader-ring" aria-hidden="true">
          <circle cx={p.x} cy={p.y} r={NODE_R + 5} fill="none" stroke="var(--leader)" strokeWidth={3} />
          <circle cx={p.x} cy={p.y} r={NODE_R + 10} fill="none" stroke="var(--leader)" strokeWidth={1.5} />
        </g>
      )}
      {contact !== null && (
        <path
          className="election-timer"
          data-left={timerLeft(contact, electionTimeout).toFixed(3)}
          d={arc(p.x, p.y, NODE_R + 7, Math.max(0.02, timerLeft(contact, electionTimeout)))}
          stroke={contact >= electionTimeout ? 'var(--bad)' : 'var(--text-muted)'}
          strokeWidth={3}
          fill="none"
        />
      )}
      <text x={p.x} y={p.y - 4} textAnchor="middle" fontSize={14} fontWeight={700} style={{ fill: '#fff' }}>
        N{n.id}
      </text>
      <text x={p.x} y={p.y + 13} textAnchor="middle" fontSize={11} style={{ fill: '#fff' }}>
        {status === undefined ? 'down' : `T${status.term}`}
      </text>
      {isLeader && (
        <text x={p.x} y={p.y + NODE_R + 26} textAnchor="middle" fontSize={11} fontWeight={700} style={{ fill: 'var(--leader)' }}>
          Leader
        </text>
      )}
      {!isLeader && n.reachable && status?.role === 'candidate' && (
        <text x={p.x} y={p.y + NODE_R + 26} textAnchor="middle" fontSize={11} fontWeight={700}>
          {votesFor(n.id, status.votedFor === n.id, votes)}
        </text>
      )}
    </g>
  );
}

export function RaftRing({ snapshot }: { snapshot: ClusterSnapshot }) {
  const now = useShownNow(100);
  const arrowId = useId();
  const electionEvents = useApp((s) => s.electionEvents);
  const nodes = [...snapshot.nodes].sort((a, b) => a.id - b.id);
  const at = new Map(nodes.map((n, i) => [n.id, position(i, nodes.length)]));
  const electionTimeout = Number(settingsFor(snapshot, 'cluster').find(([k]) => k === 'electionTimeout')?.[1].value ?? 1000);
  const leader = snapshot.leaderId === null ? undefined : at.get(snapshot.leaderId);
  const votes = votesInElection(nodes);
  const campaigns = recentCampaigns(electionEvents, now);
  const inFlight = votesInFlight(electionEvents, now);
  const appends = appendsInFlight(electionEvents, now);
  const contacts = new Map(nodes.map((n) => [n.id, n.id === snapshot.leaderId ? null : contactAgeMs(snapshot, n, now)]));
  const timer = (id: number) => {
    const contact = contacts.get(id) ?? null;
    return contact === null ? null : timerLeft(contact, electionTimeout);
  };
  const summary = [
    ...nodes.map((n) => describe(n, snapshot.leaderId, timer(n.id))),
    ...campaigns.map(describeCampaign),
    ...votes.map(voteText),
    ...inFlight.map(describeVote),
    ...appends.map(describeAppend),
  ].join('. ');

  return (
    <svg viewBox={`0 0 ${SIZE} ${SIZE}`} className="raft-ring" role="img" aria-label={`Raft ring. ${summary}.`}>
      <defs>
        <marker id={arrowId} viewBox="0 0 10 10" refX={9} refY={5} markerWidth={7} markerHeight={7} orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" fill="var(--accent)" />
        </marker>
      </defs>
      {leader !== undefined &&
        nodes
          .filter((n) => n.id !== snapshot.leaderId)
          .map((n) => {
            const p = at.get(n.id);
            if (p === undefined) return null;
            const cut = n.partitionedFrom.includes(snapshot.leaderId as number) || !n.reachable;
            const view = leaderViewOf(snapshot, n.id);
            const path = `M ${leader.x} ${leader.y} L ${p.x} ${p.y}`;
            return (
              <g key={`link-${n.id}`}>
                <path d={path} stroke={cut ? 'var(--bad)' : 'var(--border)'} strokeWidth={2} strokeDasharray={cut ? '6 5' : undefined} fill="none" />
                {view?.state != null && (
                  <text x={(leader.x + p.x) / 2} y={(leader.y + p.y) / 2 - 6} fontSize={10} textAnchor="middle">
                    {cut ? 'cut' : view.state}
                  </text>
                )}
              </g>
            );
          })}
      {votes.map((v) => {
        const from = at.get(v.voter);
        const to = at.get(v.candidate);
        if (from === undefined || to === undefined) return null;
        const line = rimToRim(from, to, NODE_R + 4);
        return (
          <g key={`vote-${v.voter}`} className="raft-vote">
            <title>{`${voteText(v)}. ${EXPLAIN.vote}`}</title>
            <line {...line} stroke="transparent" strokeWidth={14} />
            <line {...line} stroke="var(--accent)" strokeWidth={2.5} markerEnd={`url(#${arrowId})`} />
            <text x={(line.x1 + line.x2) / 2} y={(line.y1 + line.y2) / 2 - 6} fontSize={10} textAnchor="middle">
              vote
            </text>
          </g>
        );
      })}
      <ElectionOverlay at={at} nodeRadius={NODE_R} campaigns={campaigns} votes={inFlight} appends={appends} now={now} />
      {nodes.map((n) => {
        const p = at.get(n.id);
        const contact = contacts.get(n.id) ?? null;
        return p === undefined ? null : <RingNode key={n.id} node={n} p={p} leaderId={snapshot.leaderId} contact={contact} electionTimeout={electionTimeout} votes={votes} />;
      })}
    </svg>
  );
}
