// The node's side of snapshots that stream their contents (transport/snapshot-stream.ts): the
// small files' contents a snapshot names come from, and go to, the node's content pack.
// A snapshot leaves a node as its store holds it (format 5: contents named); the contents follow
// it, read from the pack a thousand at a time with the event loop let run between, so neither
// the snapshot's decoding nor its contents' encoding holds the leader (issue #11: at 70,000 small
// files that cost it its term). A peer of an older release still gets format 4, built in pieces.
import { setImmediate } from 'node:timers/promises';
import { namedContentsPieces, withContentBytesPieces } from '../fsm';
import type { ContentPack } from '../storage/content-pack';
import type { ContentRecord, SnapshotContents } from '../transport';

export function packSnapshotContents(pack: ContentPack): SnapshotContents {
  return {
    async *named(data: Uint8Array): AsyncGenerator<ContentRecord> {
      for (const piece of namedContentsPieces(data)) {
        // Each read is checked against its SHA-256: damaged bytes must not leave the node.
        for (const { sha256 } of piece) yield { sha256, bytes: pack.capture(sha256)() };
        await setImmediate();
      }
    },
    async withBytes(data: Uint8Array): Promise<Uint8Array> {
      const pieces: Uint8Array[] = [];
      for (const piece of withContentBytesPieces(data, (sha256) => pack.capture(sha256)())) {
        pieces.push(piece);
        await setImmediate();
      }
      return pieces.length === 1 ? (pieces[0] as Uint8Array) : Buffer.concat(pieces);
    },
    receive: (sha256, bytes) => pack.receive(sha256, bytes),
    sync: () => pack.sync(),
  };
}
