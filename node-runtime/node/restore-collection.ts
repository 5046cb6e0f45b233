// One full garbage collection right after a restart's restore, before the node joins its cluster
// (issue #11: a restarted node in 200 MiB). Restoring 100,000 files parses the whole snapshot and
// builds every table from it; V8 sizes the next full collection from what was live at the restore's
// peak (heap-policy.ts: twice that), so the parse's garbage would otherwise stay resident until
// the heap fills that far — a restarted follower sat at ~150 MiB of heap in use where the nodes
// that wrote the files held ~75. Collected here, before the Raft driver ticks or a peer can reach
// the node, the pause cannot cost a term, and the next limit is set from what the node keeps.
import v8 from 'node:v8';
import vm from 'node:vm';

let fullCollection: (() => void) | undefined;

/** Runs one full, synchronous collection; milliseconds it took. */
export function collectRestoreGarbage(): number {
  if (fullCollection === undefined) {
    // `gc` is installed only in contexts created after --expose-gc is set; the main context never
    // gets it, so nothing else in the process can start to call it.
    v8.setFlagsFromString('--expose-gc');
    fullCollection = vm.runInNewContext('gc') as () => void;
  }
  const started = performance.now();
  fullCollection();
  return performance.now() - started;
}
