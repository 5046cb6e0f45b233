// A node's Raft role in words, or why we do not know it.
import type { ManagedNode } from '../../../../node-runtime/common/manager-api';
import { Explained } from '../../shell/Explained';
import { LeaderBadge } from './LeaderBadge';

const ROLE_TEXT = { follower: 'Follower', candidate: 'Candidate', preCandidate: 'Pre-candidate' } as const;

export function RoleBadge({ node }: { node: ManagedNode }) {
  const role = node.report?.status.role;
  if (!node.reachable || role === undefined) return <span className="pill pill-bad">Unreachable</span>;
  if (role === 'leader') return <LeaderBadge />;
  return (
    <span className={`pill ${role === 'follower' ? 'pill-neutral' : 'pill-warn'}`}>
      <Explained term={role}>{ROLE_TEXT[role]}</Explained>
    </span>
  );
}
