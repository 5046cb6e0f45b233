// 20 kills of the leader under concurrent writers and linearizable readers (issue #12): every
// write succeeds without a client retry, and the whole history, per file, is linearizable
// (test/linearizability/checker.ts). Clients talk to the nodes that survive: before a kill they
// stop choosing the leader and finish what they sent it themselves (a client whose own connection
// is cut can only retry), so what is in flight at the kill is what survivors forwarded to it.
// Those writes' outcome is unknown when the leader dies; the survivors resend them under their
// request ids, and each takes effect once: a file's final version counts its acknowledged writes.
import { afterEach, describe, expect, it } from 'vitest';
import { checkRegister, type Operation, type RegisterInput } from '../linearizability/checker';
import { TestCluster, waitFor, type TestNode } from './harness';

const KILLS = 20;
const KEYS = ['k0', 'k1', 'k2'];
const WRITERS = 6;
const READERS = 3;

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

type Op = Operation<RegisterInput, string | null> & { readonly key: string };

interface Recorder {
  readonly ops: Op[];
  /** Writes that did not succeed. */
  readonly failures: string[];
  /** Writes in flight (through a survivor) when the leader was killed. */
  inFlightAtKill: number;
}

describe('20 leader kills with concurrent writers and readers', () => {
  it('every write succeeds without a client retry, each takes effect once, and the history is linearizable', { timeout: 600_000 }, async () => {
    cluster = await TestCluster.start();
    const nodes = cluster.nodes;
    await cluster.waitForLeader();
    const down = new Set<number>();
    const sentTo = new Map<number, number>();
    let running = true;
    let writesInFlight = 0;
    const recorder: Recorder = { ops: [], failures: [], inFlightAtKill: 0 };
    const live = (i: number): TestNode => {
      const up = nodes.filter((n) => !down.has(n.id));
      return up[i % up.length] as TestNode;
    };
    /** A request to `node`, counted while it is open so a kill can wait for the clients' own ones. */
    const send = async (node: TestNode, path: string, init: RequestInit): Promise<Response | Error> => {
      sentTo.set(node.id, (sentTo.get(node.id) ?? 0) + 1);
      try {
        const res = await fetch(`${node.url}${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
        return new Response(await res.arrayBuffer(), { status: res.status });
      } catch (err) {
        return err as Error;
      } finally {
        sentTo.set(node.id, (sentTo.get(node.id) ?? 0) - 1);
      }
    };

    const writer = async (w: number): Promise<void> => {
      for (let seq = 0; running; seq++) {
        const key = KEYS[(w + seq) % KEYS.length] as string;
        const value = `w${w}-${seq}`;
        const node = live(w + seq);
        const call = performance.now();
        writesInFlight += 1;
        const res = await send(node, `/files/${key}`, { method: 'PUT', body: value });
        writesInFlight -= 1;
        const ret = performance.now();
        if (!(res instanceof Error) && res.status === 201) {
          recorder.ops.push({ key, input: { kind: 'write', value }, output: null, call, return: ret });
          continue;
        }
        recorder.ops.push({ key, input: { kind: 'write', value }, output: undefined, call, return: Infinity });
        recorder.failures.push(`${value} to node ${node.id}: ${res instanceof Error ? res.message : `${res.status} ${await res.text()}`}`);
      }
    };
    const reader = async (r: number): Promise<void> => {
      for (let seq = 0; running; seq++) {
        const key = KEYS[(r + seq) % KEYS.length] as string;
        const node = live(r + seq);
        const call = performance.now();
        const res = await send(node, `/files/${key}?consistency=linearizable`, {});
        if (res instanceof Error) continue;
        const text = await res.text();
        const ret = performance.now();
        // A failed read tells nothing; only answers go into the history.
        if (res.status === 200) recorder.ops.push({ key, input: { kind: 'read' }, output: text, call, return: ret });
        else if (res.status === 404) recorder.ops.push({ key, input: { kind: 'read' }, output: null, call, return: ret });
      }
    };

    const clients = [...Array.from({ length: WRITERS }, (_, w) => writer(w)), ...Array.from({ length: READERS }, (_, r) => reader(r))];
    try {
      for (let kill = 0; kill < KILLS; kill++) {
        const leader = await cluster.waitForLeader(20_000, cluster.running());
        // Clients stop choosing the victim and finish what they sent it before it dies.
        down.add(leader.id);
        await waitFor(`clients' own requests to node ${leader.id} to finish`, () => (sentTo.get(leader.id) ?? 0) === 0);
        recorder.inFlightAtKill += writesInFlight;
        await cluster.kill(leader);
        await cluster.waitForLeader(20_000, cluster.running());
        cluster.spawn(leader);
        await cluster.waitLive(leader);
        down.delete(leader.id);
      }
      await waitFor('every node back and agreeing on one leader', () => cluster?.waitForLeader(20_000, cluster.nodes));
    } finally {
      running = false;
      await Promise.all(clients);
    }

    const writes = recorder.ops.filter((op) => op.input.kind === 'write');
    expect(recorder.failures).toEqual([]);
    expect(writes.length).toBeGreaterThan(KILLS * 5);
    // Writes were caught by kills, or the run proved nothing about them.
    expect(recorder.inFlightAtKill).toBeGreaterThan(KILLS);
    const leader = await cluster.waitForLeader(20_000, cluster.nodes);
    for (const key of KEYS) {
      const history = recorder.ops.filter((op) => op.key === key);
      const result = checkRegister(history);
      expect(result.ok, `history of ${key} (${history.length} operations) is not linearizable`).toBe(true);
      // No deletes: each write that took effect added one version; a write applied twice would add two.
      const info = (await (await fetch(`${leader.url}/fileinfo?name=${key}&consistency=linearizable`)).json()) as { version: number };
      expect(info.version, `versions of ${key}`).toBe(writes.filter((op) => op.key === key).length);
    }
    console.log(`${writes.length} writes acknowledged (${recorder.inFlightAtKill} in flight through survivors at a kill), ${recorder.ops.length - writes.length} linearizable reads`);
  });
});
