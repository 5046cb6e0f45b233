// Timeouts that fit where a cluster runs: short on one machine, conservative across a network,
// the shorter defaults surviving a snapshot, and a warning when round trips make them unworkable.
import { describe, expect, it } from 'vitest';
import { CLUSTER_DEFAULTS, LOCAL_CLUSTER_TIMING } from '../../../node-runtime/common/config';
import { StateMachine } from '../../../node-runtime/fsm';
import { parseCluster } from '../../../node-runtime/node/cli-options';
import { RoundTripWatch, timingDefaultsFor, timingTicks } from '../../../node-runtime/node/raft-timing';

describe('timing defaults', () => {
  it('gives a cluster whose members all sit on this machine the loopback timeouts', () => {
    expect(timingDefaultsFor(parseCluster('1,:3030;2,:3031;3,:3032'))).toEqual(LOCAL_CLUSTER_TIMING);
    expect(timingDefaultsFor(parseCluster('1,127.0.0.1:3030;2,localhost:3031;3,[::1]:3032'))).toEqual(LOCAL_CLUSTER_TIMING);
  });

  it('keeps the conservative defaults as soon as one member is on another machine', () => {
    expect(timingDefaultsFor(parseCluster('1,127.0.0.1:3030;2,10.0.0.2:3030;3,10.0.0.3:3030'))).toBeUndefined();
    expect(timingDefaultsFor(parseCluster('1,db1.example:3030'))).toBeUndefined();
  });

  it('the local timeouts are what Raft needs: several heartbeats per election timeout, in whole ticks', () => {
    const ticks = timingTicks(LOCAL_CLUSTER_TIMING);
    expect(ticks.electionTicks).toBeGreaterThanOrEqual(5 * ticks.heartbeatTicks);
    expect(LOCAL_CLUSTER_TIMING.electionTimeout).toBeLessThan(CLUSTER_DEFAULTS.electionTimeout);
  });

  it('the state machine starts from them, reports them as defaults, and keeps them across a snapshot', () => {
    const fsm = new StateMachine(LOCAL_CLUSTER_TIMING);
    expect(fsm.clusterConfig()).toEqual({ ...CLUSTER_DEFAULTS, ...LOCAL_CLUSTER_TIMING });
    expect(fsm.clusterConfigLayered().sources.electionTimeout).toBe('default');
    const restored = new StateMachine(LOCAL_CLUSTER_TIMING);
    restored.restore(fsm.snapshot());
    expect(restored.clusterConfig().electionTimeout).toBe(LOCAL_CLUSTER_TIMING.electionTimeout);
  });
});

describe('the round-trip warning', () => {
  const timing = { heartbeatInterval: 60, electionTimeout: 500 };

  it('stays quiet while round trips are well under the heartbeat interval', () => {
    const warnings: string[] = [];
    const watch = new RoundTripWatch((_d, message) => warnings.push(message));
    for (let i = 0; i < 100; i++) watch.note(2, 29, timing, i * 1000);
    expect(warnings).toEqual([]);
  });

  it('warns when a round trip takes half the heartbeat interval, says what to set, and repeats at most once a minute', () => {
    const warnings: string[] = [];
    const watch = new RoundTripWatch((_d, message) => warnings.push(message));
    watch.note(2, 40, timing, 0);
    watch.note(2, 45, timing, 30_000);
    watch.note(2, 50, timing, 61_000);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/\(node 2\) took 40 ms, close to the heartbeat interval of 60 ms/);
    expect(warnings[0]).toMatch(/heartbeatInterval to at least 160 ms and electionTimeout to at least 1600 ms/);
  });
});
