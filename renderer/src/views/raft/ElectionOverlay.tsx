// An election and the leader's appends drawn over the ring, from the nodes' pushed events: a
// dashed ring and a label round each node campaigning, vote requests as dots flying from a
// candidate to its peers, grants as dots flying back, and each append a follower confirmed as a
// dot from the leader to it. Each plays once, at the speed set for the ring.
import type { AppendMessage, Campaign, VoteMessage } from '../../store/election-derive';
import { APPEND_FLIGHT_MS, CAMPAIGN_SHOWN_MS, VOTE_FLIGHT_MS } from '../../store/election-derive';

export interface Point {
  readonly x: number;
  readonly y: number;
}

interface Props {
  readonly at: ReadonlyMap<number, Point>;
  readonly nodeRadius: number;
  readonly campaigns: readonly Campaign[];
  readonly votes: readonly VoteMessage[];
  readonly appends: readonly AppendMessage[];
  readonly now: number;
}

/**
 * Where it is by `now` along its flight, placed from the shown clock (not a CSS animation), so a
 * replay, a pause or slow motion shows it where it was.
 */
function AppendDot({ append, from, to, now }: { append: AppendMessage; from: Point; to: Point; now: number }) {
  const f = Math.min(1, Math.max(0, (now - append.at) / APPEND_FLIGHT_MS));
  return <circle className="raft-append" cx={from.x + (to.x - from.x) * f} cy={from.y + (to.y - from.y) * f} r={5} fill="var(--accent)" />;
}

function VoteDot({ vote, from, to, now }: { vote: VoteMessage; from: Point; to: Point; now: number }) {
  const path = `M ${from.x} ${from.y} L ${to.x} ${to.y}`;
  const colour = vote.kind === 'request' ? 'var(--warn)' : 'var(--ok)';
  // Started where it should be by now, so a repaint never restarts a dot from its sender.
  const begin = `${-Math.min(VOTE_FLIGHT_MS, now - vote.at) / 1000}s`;
  return (
    <circle r={vote.preVote ? 4 : 6} fill={vote.preVote ? 'none' : colour} stroke={colour} strokeWidth={2} className={`raft-vote-${vote.kind}`}>
      <animateMotion dur={`${VOTE_FLIGHT_MS / 1000}s`} begin={begin} repeatCount="1" fill="freeze" path={path} />
    </circle>
  );
}

export function ElectionOverlay({ at, nodeRadius, campaigns, votes, appends, now }: Props) {
  return (
    <g className="raft-election" aria-hidden="true">
      {campaigns.map((c) => {
        const p = at.get(c.node);
        if (p === undefined) return null;
        const fading = Math.max(0.25, 1 - (now - c.at) / CAMPAIGN_SHOWN_MS);
        return (
          <g key={`campaign-${c.node}-${c.term}-${c.role}`} opacity={fading}>
            <circle cx={p.x} cy={p.y} r={nodeRadius + 14} fill="none" stroke="var(--warn)" strokeWidth={2} strokeDasharray="5 4" />
            <text x={p.x} y={p.y - nodeRadius - 20} textAnchor="middle" fontSize={11} fontWeight={700} style={{ fill: 'var(--warn)' }}>
              {c.role === 'candidate' ? `Candidate · T${c.term}` : `Pre-candidate · T${c.term}`}
            </text>
          </g>
        );
      })}
      {votes.map((v) => {
        const from = at.get(v.from);
        const to = at.get(v.to);
        return from === undefined || to === undefined ? null : <VoteDot key={v.key} vote={v} from={from} to={to} now={now} />;
      })}
      {appends.map((a) => {
        const from = at.get(a.from);
        const to = at.get(a.to);
        return from === undefined || to === undefined ? null : <AppendDot key={a.key} append={a} from={from} to={to} now={now} />;
      })}
    </g>
  );
}
