// The cluster as the manager last reported it, and the commands that change it.
import type { NodeAction, PartitionRequest } from '../../../node-runtime/common/manager-api';
import { asRequestError } from '../api/request-error';
import { describeFailure } from '../format/error-text';
import { groupsHealing, groupsIsolating } from './cluster-derive';
import type { ClusterSlice, SliceCreator } from './state';

export const createClusterSlice: SliceCreator<ClusterSlice> = (set, get, deps) => {
  const request = deps.api.request.bind(deps.api);

  /** Runs one command, marking it pending (for its button) and keeping its failure for display. */
  async function command(key: string, what: string, send: () => Promise<unknown>): Promise<void> {
    if (get().pendingCommands[key]) return;
    set((s) => ({ pendingCommands: { ...s.pendingCommands, [key]: true } }));
    try {
      await send();
      if (get().commandFailure?.what === what) set({ commandFailure: null });
    } catch (err) {
      const failure = asRequestError(err);
      set({ commandFailure: { what, message: describeFailure(failure.code, failure.detail), at: deps.now() } });
    } finally {
      set((s) => {
        const { [key]: _done, ...rest } = s.pendingCommands;
        return { pendingCommands: rest };
      });
    }
  }

  const partition = (groups: number[][]) => {
    if (groups.length <= 1) return request('DELETE', '/api/partition');
    const body: PartitionRequest = { groups };
    return request('POST', '/api/partition', { body });
  };

  return {
    snapshot: null,
    pendingCommands: {},
    commandFailure: null,

    runNodeAction: (id: number, action: NodeAction) =>
      command(`${id}:${action}`, `${action} node ${id}`, () => request('POST', `/api/nodes/${id}/${action}`)),

    transferLeadership: (id) =>
      command(`${id}:leadership`, `make node ${id} leader`, () => request('POST', `/api/nodes/${id}/leadership`)),

    isolateNode: (id) =>
      command(`${id}:partition`, `isolate node ${id}`, async () => {
        const snapshot = get().liveSnapshot();
        if (snapshot !== null) await partition(groupsIsolating(snapshot, id));
      }),

    healNode: (id) =>
      command(`${id}:partition`, `reconnect node ${id}`, async () => {
        const snapshot = get().liveSnapshot();
        if (snapshot !== null) await partition(groupsHealing(snapshot, id));
      }),

    healAllPartitions: () => command('cluster:heal', 'heal all partitions', () => request('DELETE', '/api/partition')),

    addNode: () => command('cluster:addNode', 'add a node', () => request('POST', '/api/nodes')),

    removeNode: (id) => command(`${id}:remove`, `remove node ${id}`, () => request('DELETE', `/api/nodes/${id}`)),

    dismissCommandFailure: () => set({ commandFailure: null }),
  };
};
