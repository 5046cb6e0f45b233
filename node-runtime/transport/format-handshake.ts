// The command formats two nodes trade in their Raft stream handshake (issue #18): the dialling
// node sends its range with the upgrade request, the answering one in its 101. Headers rather
// than fields in Raft messages, because a release from before negotiation ignores a header it
// does not know (and sends none, which reads as the oldest format), while a change to the message
// codec would cut it off; and because the range belongs to the process at the other end of the
// stream, which is exactly what a handshake is about: it is learnt again on every reconnect, so a
// node restarted with a new build is known as such before the first message reaches it.
import { COMMAND_FORMATS_HEADER, compatible, formatRangeText, incompatibility, parseFormatRange, type FormatRange } from '../common/command-formats';

/** Headers that advertise `own`; none when this transport was given no range (tests of the transport alone). */
export function advertisedFormats(own: FormatRange | undefined): Record<string, string> {
  return own ? { [COMMAND_FORMATS_HEADER]: formatRangeText(own) } : {};
}

/**
 * What a peer's handshake header says: its range (null when malformed), and why the stream is
 * refused (null when it is not). An incompatible peer's range is still worth knowing: the status
 * shows it, and the leader does not wait for it to catch up on a format it could never apply.
 */
export function peerFormats(selfId: number, own: FormatRange | undefined, peerId: number, header: string | string[] | undefined): { range: FormatRange | null; refusal: string | null } {
  const range = parseFormatRange(header);
  if (!range) return { range, refusal: `node ${peerId} advertised malformed command formats ${JSON.stringify(header)}` };
  return { range, refusal: own && !compatible(own, range) ? incompatibility(selfId, own, peerId, range) : null };
}
