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

/** What a peer's handshake header says: the range to remember, or why the stream is refused. */
export function peerFormats(selfId: number, own: FormatRange | undefined, peerId: number, header: string | string[] | undefined): { range: FormatRange } | { refusal: string } {
  const range = parseFormatRange(header);
  if (!range) return { refusal: `node ${peerId} advertised malformed command formats ${JSON.stringify(header)}` };
  if (own && !compatible(own, range)) return { refusal: incompatibility(selfId, own, peerId, range) };
  return { range };
}
