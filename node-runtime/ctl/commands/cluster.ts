// status and member list|add|remove|promote. The cluster's shape comes from the leader's
// /status (every member with its replication progress); each member then reports on itself.
import type { NodeStatus } from '../../common/api-types';
import { formatRangeText, UNADVERTISED } from '../../common/command-formats';
import type { Ctl } from '../context';
import { CtlError, EXIT } from '../exit-codes';
import { readText } from '../http-client';

interface Member {
  readonly id: number;
  readonly url: string | null;
  readonly learner: boolean;
}

interface MemberReport extends Member {
  readonly role: string;
  readonly term: number | null;
  readonly commit: number | null;
  readonly applied: number | null;
  /** Entries the member has yet to apply of what the leader committed. */
  readonly lag: number | null;
  readonly health: string;
  /** The Raft command formats the member applies ("1-3"); a release from before issue #18 reports none and counts as 1. */
  readonly formats: string | null;
}

/** The leader's /status, reached through whichever endpoint answers; that endpoint's own when it knows no leader. */
export async function leaderStatus(ctl: Ctl): Promise<NodeStatus> {
  const first = await ctl.client.json<NodeStatus>({ path: '/status' });
  if (first.role === 'leader' || first.leaderUrl === null) return first;
  return ctl.client.json<NodeStatus>({ path: '/status', endpoint: first.leaderUrl });
}

export function membersOf(status: NodeStatus): Member[] {
  const self = { id: status.id, url: status.role === 'leader' ? status.leaderUrl : null, learner: false };
  return [self, ...status.peers.map((p) => ({ id: p.id, url: p.url, learner: p.isLearner }))].sort((a, b) => a.id - b.id);
}

async function reportOn(ctl: Ctl, member: Member, leaderCommit: number): Promise<MemberReport> {
  const unknown = { role: '-', term: null, commit: null, applied: null, lag: null, formats: null };
  if (member.url === null) return { ...member, ...unknown, health: 'no address known' };
  try {
    const status = await ctl.client.json<NodeStatus>({ path: '/status', endpoint: member.url });
    const health = await ctl.client.request({ path: '/health', endpoint: member.url });
    const body = JSON.parse(await readText(health.body)) as { status?: string };
    const lag = Math.max(0, leaderCommit - status.appliedIndex);
    const formats = status.commandFormats ? formatRangeText(status.commandFormats.applies) : `${formatRangeText(UNADVERTISED)} (older release)`;
    return { ...member, role: status.role, term: status.term, commit: status.commitIndex, applied: status.appliedIndex, lag, health: body.status ?? 'unknown', formats };
  } catch (err) {
    return { ...member, ...unknown, health: `unreachable (${(err as Error).message})` };
  }
}

/**
 * Every member: role, term, commit, lag, health, and the command formats it applies (the leader's
 * row adds the one it writes: during a rolling upgrade, the newest only once every member has it).
 * Exits 1 when one is not healthy.
 */
export async function status(ctl: Ctl): Promise<void> {
  const leader = await leaderStatus(ctl);
  const reports = await Promise.all(membersOf(leader).map((m) => reportOn(ctl, m, leader.commitIndex)));
  const writing = leader.commandFormats?.writes ?? null;
  ctl.out.table({ leaderId: leader.leaderId, commandFormat: writing, members: reports }, reports, [
    { title: 'id', value: (r) => r.id },
    { title: 'url', value: (r) => r.url },
    { title: 'role', value: (r) => (r.learner ? `${r.role} (learner)` : r.role) },
    { title: 'formats', value: (r) => (r.id === leader.leaderId && writing !== null ? `${r.formats}, writes ${writing}` : r.formats) },
    { title: 'term', value: (r) => r.term },
    { title: 'commit', value: (r) => r.commit },
    { title: 'lag', value: (r) => r.lag },
    { title: 'health', value: (r) => r.health },
  ]);
  const sick = reports.filter((r) => r.health !== 'healthy');
  if (sick.length > 0) throw new CtlError(EXIT.failed, `not healthy: ${sick.map((r) => `node ${r.id} (${r.health})`).join(', ')}`);
}

export async function memberList(ctl: Ctl): Promise<void> {
  const leader = await leaderStatus(ctl);
  const rows = membersOf(leader).map((m) => {
    const peer = leader.peers.find((p) => p.id === m.id);
    return { ...m, leader: m.id === leader.leaderId, match: peer ? peer.match : leader.commitIndex, lastContactMs: peer?.lastContactMs ?? null };
  });
  ctl.out.table({ leaderId: leader.leaderId, members: rows }, rows, [
    { title: 'id', value: (r) => r.id },
    { title: 'url', value: (r) => r.url },
    { title: 'voter', value: (r) => (r.learner ? 'learner' : 'voter') },
    { title: 'leader', value: (r) => (r.leader ? 'yes' : '') },
    { title: 'match', value: (r) => r.match },
    { title: 'last contact ms', value: (r) => r.lastContactMs },
  ]);
}

function secretOf(ctl: Ctl): string {
  if (!ctl.secret) throw new CtlError(EXIT.usage, 'membership changes need the cluster secret: set DFS_CLUSTER_SECRET (or --secret-file)');
  return ctl.secret;
}

export async function memberAdd(ctl: Ctl, id: number, peerAddress: string, httpUrl: string | null): Promise<void> {
  await ctl.client.json({
    method: 'POST',
    path: '/cluster/members',
    bearer: secretOf(ctl),
    headers: { 'content-type': 'application/json' },
    body: () => Buffer.from(JSON.stringify({ id, peerAddress, httpUrl })),
  });
  ctl.out.record({ added: id, peerAddress, httpUrl });
}

export async function memberPromote(ctl: Ctl, id: number): Promise<void> {
  await ctl.client.json({ method: 'POST', path: `/cluster/members/${id}/promote`, bearer: secretOf(ctl) });
  ctl.out.record({ promoted: id });
}

export async function memberRemove(ctl: Ctl, id: number): Promise<void> {
  await ctl.client.json({ method: 'DELETE', path: `/cluster/members/${id}`, bearer: secretOf(ctl) });
  ctl.out.record({ removed: id });
}
