import { describe, expect, it } from 'vitest';
import { CLUSTER_DEFAULTS, LOCAL_CLUSTER_TIMING } from '../../../node-runtime/common/config';
import type { Command } from '../../../node-runtime/fsm/commands';
import { StateMachine } from '../../../node-runtime/fsm/state-machine';
import { Driver, observable } from './builders';

describe('configSet', () => {
  it('starts from the defaults of common/config.ts', () => {
    const d = new Driver();
    expect(d.machine.clusterConfig()).toEqual(CLUSTER_DEFAULTS);
    expect(d.machine.clusterConfigLayered().sources.storageQuota).toBe('default');
  });

  it('merges applied patches over the defaults and records their source', () => {
    const d = new Driver();
    const result = d.ok({ type: 'configSet', patch: { storageQuota: 1234, chunkSize: 65536 }, at: 1 });
    expect(result.type === 'configSet' && result.config.storageQuota).toBe(1234);
    d.ok({ type: 'configSet', patch: { recoveryEnabled: false }, source: 'file', at: 2 });
    expect(d.machine.clusterConfig()).toEqual({ ...CLUSTER_DEFAULTS, storageQuota: 1234, chunkSize: 65536, recoveryEnabled: false });
    const { sources } = d.machine.clusterConfigLayered();
    expect(sources).toMatchObject({ storageQuota: 'api', chunkSize: 'api', recoveryEnabled: 'file', heartbeatInterval: 'default' });
  });

  it('rejects unknown keys, bad values and node-scope keys as config_invalid, changing nothing', () => {
    const d = new Driver();
    d.ok({ type: 'configSet', patch: { storageQuota: 1 }, at: 1 });
    const before = observable(d.machine);
    const unknown = d.rejected({ type: 'configSet', patch: { storageQuota: 5, colour: 1 } as never, at: 2 });
    expect(unknown).toEqual({ code: 'config_invalid', detail: 'colour: unknown setting' });
    expect(d.rejected({ type: 'configSet', patch: { chunkSize: 1 }, at: 3 })).toMatchObject({ code: 'config_invalid', detail: expect.stringMatching(/^chunkSize: /) });
    expect(d.rejected({ type: 'configSet', patch: { logLevel: 'debug' } as never, at: 4 })).toMatchObject({ code: 'config_invalid', detail: expect.stringMatching(/logLevel: node-scope/) });
    expect(observable(d.machine)).toEqual(before);
  });

  it('checks cross-setting rules against the replicated values', () => {
    const d = new Driver();
    d.ok({ type: 'configSet', patch: { electionTimeout: 10_000 }, at: 1 });
    d.ok({ type: 'configSet', patch: { heartbeatInterval: 2000 }, at: 2 });
    expect(d.rejected({ type: 'configSet', patch: { electionTimeout: 3000 }, at: 3 }).code).toBe('config_invalid');
  });

  it('rejects a patch that is not an object as bad_request', () => {
    const d = new Driver();
    expect(d.rejected({ type: 'configSet', patch: [1] as never, at: 1 }).code).toBe('bad_request');
  });

  it('decides every entry the same on a node with local-cluster timing and one without, which differ only in what they run until the log sets a timeout', () => {
    // Whether a cluster is local is each node's own view of its --cluster list, so replicas may
    // disagree on it. These patches pass or fail by the other timeout: against 60/500 ms defaults,
    // electionTimeout 150 would pass and heartbeatInterval 300 would fail; against 100/1000, the reverse.
    const local = new Driver(new StateMachine(LOCAL_CLUSTER_TIMING));
    const server = new Driver(new StateMachine());
    expect(local.machine.clusterConfig()).toMatchObject(LOCAL_CLUSTER_TIMING);
    expect(local.machine.clusterConfigLayered().sources.electionTimeout).toBe('default');
    const entries: Command[] = [
      { type: 'configSet', patch: { electionTimeout: 150 }, at: 1 },
      { type: 'configSet', patch: { heartbeatInterval: 300 }, at: 2 },
    ];
    const outcomes = (d: Driver) => entries.map((c) => JSON.stringify(d.apply(c)));
    expect(outcomes(local)).toEqual(outcomes(server));
    expect(local.machine.snapshot()).toEqual(server.machine.snapshot());
    // The log set a timeout: from then on both run the log's timing.
    expect(local.machine.clusterConfig()).toEqual(server.machine.clusterConfig());
    expect(local.machine.clusterConfig()).toMatchObject({ heartbeatInterval: 300, electionTimeout: CLUSTER_DEFAULTS.electionTimeout });
  });
});
