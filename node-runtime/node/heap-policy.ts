// How far V8 lets a dfs-node process's heap grow past what is live, and how large its young
// generation may become (issue #11: 100,000 files in 200 MiB a node). After each full collection V8
// sets the next one's trigger at live × a factor it picks from how fast the program allocates
// against how fast it collects, capped at 4.0 when the heap limit is 2 GiB or more (Node's default
// on a machine with memory to spare; heap-controller.cc, MaxGrowingFactor). A write storm allocates
// fast, so the factor sits at that cap: a leader with 55–70 MiB live let its heap grow to ~230–270
// MiB of mostly garbage, and V8 gives the pages back only at its next full collection, which an
// idle node may not run for a long time. A fixed factor (`--heap-growing-percent`, which V8 reads
// at every collection, so the process can set it on itself) bounds that growth to live × (1 +
// percent / 100) plus the young generation, at the price of more frequent full collections under
// load (measured in bench/README.md's "Many files" section: CPU per write and GC pauses, leader
// changes). It is no heap cap: the heap still grows with what is live, however many files a node
// holds.
//
// Applied by the entry point (cli.ts) before the node is built, so every way a node is launched
// gets it: `npx dfs-node`, the desktop's supervisor, the systemd unit, the tests and the benches.
import v8 from 'node:v8';
import vm from 'node:vm';

/** The default: the heap may grow to twice what was live after the last full collection. */
export const DEFAULT_HEAP_GROWING_PERCENT = 100;

/**
 * The default: whether the young generation stays at V8's starting size (see
 * applyFixedYoungGeneration). On: it keeps a 100,000-file node under 200 MiB (a leader at about 250
 * without; bench/README.md, "Many files", session 16). Its scavenges cost small writes about a
 * tenth more CPU per write on a busy machine (load 7–10) and nothing measurable on a quiet one
 * (bench/README.md, "Small writes", session 16). What kept it off before, memory.test.ts's follower
 * rising near its 64 MiB bound with it, was catch-up's four 4 MiB fetches at once, cured by
 * ChunkSync's bytes in flight (bench/README.md, "Large files", session 16).
 */
export const DEFAULT_FIXED_YOUNG_GENERATION = true;

/**
 * V8's young generation (new space: two semi-spaces that swap at every scavenge, so both are
 * resident) starts small and doubles whenever a scavenge finds enough survivors, up to 32 MiB —
 * which a node under a write storm reaches and keeps. Its cap is fixed when the isolate is created
 * (`--max-semi-space-size` set later is ignored: checked on Node 20.20), but the growth factor is
 * read at every growth decision, so a running process can keep its young generation at its
 * starting size (2 MiB of new space on Node 20.20) by setting the factor to 1. Whether a node does is
 * DFS_FIXED_YOUNG_GENERATION's choice (cli-options.ts); the price is more scavenges and earlier
 * promotion into the old generation (measured in bench/README.md's "Many files" section).
 */
export function applyFixedYoungGeneration(fixed: boolean): void {
  if (fixed) v8.setFlagsFromString('--semi-space-growth-factor=1');
}

/** Sets V8's heap growing factor for this process; null leaves V8's own dynamic choice. */
export function applyHeapGrowingPercent(percent: number | null): void {
  if (percent !== null) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/**
 * A collection of the young generation only (a scavenge), for a caller that knows it just let go
 * of much memory outside V8's heap. An upload's body arrives as socket pieces of up to 64 KiB,
 * each a fresh buffer that is garbage as soon as it is copied into the chunk being filled. Their
 * objects are small, so the young generation fills (and a scavenge frees them) only every few
 * hundred MiB of body; until then they wait for a full collection, which V8 starts when its count of
 * memory outside the heap has grown by tens of MiB, and finishes incrementally while more arrives.
 * A leader's RSS swung by 25–35 MiB with them during a 2 GiB upload, on top of the chunks it holds
 * for pushing (bench/README.md, "Large files", session 13). A scavenge of a young generation that is mostly
 * dead took 1–3 ms on a busy machine; one per 4 MiB chunk frees the pieces within a chunk of their
 * arrival, and the full collections that external memory started several times a second stop.
 */
export function youngGenerationCollector(): () => void {
  const gc = exposedGc();
  return () => gc({ type: 'minor' });
}

/**
 * A full collection, for a caller that knows a long burst of work just ended and left garbage in
 * the old generation. The per-chunk scavenges above promote whatever is alive across two of them
 * (a chunk's push and file-write state), so a 2 GiB upload grew a leader's heap by 12–15 MiB of
 * dead objects that V8 collected only at its next full collection, often just as the next request
 * began: memory.test.ts's download then started from the upload's bloated heap and rose above the
 * upload's peak (bench/README.md, "Large files", session 14). One full collection when such an upload ends
 * (tens of milliseconds, once per 256 MiB or more) gives those pages back first.
 */
export function fullCollector(): () => void {
  const gc = exposedGc();
  // Without options: `{ type: 'major' }` collected nothing on Node 20.20 (checked with old_space's bytes in use).
  return () => gc();
}

type GcFunction = (options?: { type: 'minor' }) => void;
let gcFunction: GcFunction | null = null;

/**
 * V8's `gc` function. `--expose-gc` is read when a context is made, so it comes from a new context
 * of its own, made once and shared by both collectors; nothing is added to the process's global object.
 */
function exposedGc(): GcFunction {
  if (gcFunction === null) {
    v8.setFlagsFromString('--expose-gc');
    gcFunction = vm.runInNewContext('gc') as GcFunction;
  }
  return gcFunction;
}
