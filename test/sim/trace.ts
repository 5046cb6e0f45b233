// The readable account of a run, printed with --verbose when replaying a seed. Call sites test
// `trace.enabled` first so a normal run never pays for building the strings.

import type { Message } from '../../node-runtime/raft/index';

export class Trace {
  constructor(
    readonly enabled: boolean,
    private readonly now: () => number,
    private readonly sink: (line: string) => void = (line) => console.log(line),
  ) {}

  log(node: number | undefined, text: string): void {
    if (!this.enabled) return;
    const who = node === undefined ? '  ' : `n${node}`;
    this.sink(`${String(this.now()).padStart(7)} ${who} ${text}`);
  }
}

export function describeMessage(m: Message): string {
  const parts = [`${m.type} ${m.from}→${m.to} term=${m.term}`];
  if (m.type === 'app' || m.type === 'vote' || m.type === 'preVote') parts.push(`logTerm=${m.logTerm} index=${m.index}`);
  if (m.type === 'appResp') parts.push(`index=${m.index}${m.reject ? ` reject hint=${m.rejectHint}` : ''}`);
  if ((m.type === 'voteResp' || m.type === 'preVoteResp') && m.reject) parts.push('reject');
  if (m.entries.length > 0) {
    const first = m.entries[0];
    const last = m.entries[m.entries.length - 1];
    parts.push(`entries=[${first?.index}..${last?.index}]`);
  }
  if (m.type === 'app' || m.type === 'heartbeat') parts.push(`commit=${m.commit}`);
  if (m.snapshot) parts.push(`snapshot@${m.snapshot.metadata.index}/t${m.snapshot.metadata.term}`);
  if (m.context !== undefined && m.context !== '') parts.push(`ctx=${m.context}`);
  return parts.join(' ');
}
