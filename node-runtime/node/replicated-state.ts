// The replicated state machine as the Raft driver applies it: the fsm, plus word of what an
// applied entry means to the rest of the node (a new file's chunks must be fetched, the timing
// settings changed, a snapshot replaced everything). Given as events, so the parts that act on
// them can be built after the driver, which needs this object first.
import { EventEmitter } from 'node:events';
import type { ClusterSettings } from '../common/config';
import type { ApplyResult, StateMachine } from '../fsm';
import type { Entry } from '../raft/types';
import type { AppliedStateMachine } from './raft-driver';

export interface ReplicatedStateEvents {
  /** A file was put; this node must hold these chunks. */
  filePut: [readonly { hash: string; size: number }[]];
  clusterSettings: [Readonly<ClusterSettings>];
  /** The state was replaced by a snapshot's. */
  restored: [];
}

export class ReplicatedState extends EventEmitter<ReplicatedStateEvents> implements AppliedStateMachine<ApplyResult> {
  constructor(private readonly fsm: StateMachine) {
    super();
  }

  apply(entry: Entry): ApplyResult {
    const result = this.fsm.applyRaftEntry(entry);
    // A repeated request id put nothing new: its chunks were wanted when the first write applied.
    if (result.ok && result.type === 'put' && result.repeatOf === undefined) this.emit('filePut', result.file.chunks);
    if (result.ok && result.type === 'configSet') this.emit('clusterSettings', result.config);
    return result;
  }

  snapshot(): Iterable<Uint8Array> {
    return this.fsm.snapshotPieces();
  }

  restore(data: Uint8Array): void {
    this.fsm.restore(data);
    this.emit('restored');
  }
}
