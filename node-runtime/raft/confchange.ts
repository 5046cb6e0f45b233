// Membership changes on a copy of the tracker's configuration: single-server changes, entering and
// leaving a joint configuration, and rebuilding a configuration from a ConfState (restart, snapshot).
// Invalid changes throw ConfChangeError and leave the tracker untouched.

import { ConfChangeError } from './errors';
import { Progress } from './tracker/progress';
import type { InflightLimits } from './tracker/inflights';
import { cloneTrackerConfig, emptyTrackerConfig } from './tracker/tracker';
import type { ProgressTracker, TrackerConfig } from './tracker/tracker';
import type { ConfChange, ConfChangeSingle, ConfState, NodeId } from './types';

export interface ChangeResult {
  readonly config: TrackerConfig;
  readonly progress: Map<NodeId, Progress>;
}

export class Changer {
  constructor(
    private readonly tracker: ProgressTracker,
    private readonly lastIndex: number,
    private readonly inflight: InflightLimits,
  ) {}

  /** Applies a committed ConfChange the way its `transition` asks. */
  apply(cc: ConfChange): ChangeResult {
    if (cc.transition === 'leaveJoint') {
      if (cc.changes.length > 0) throw new ConfChangeError('leaveJoint carries no changes');
      return this.leaveJoint();
    }
    if (cc.transition === 'auto') {
      const effective = cc.changes.filter((c) => this.changesSomething(c));
      // Re-applying a change already in force (e.g. the founding membership entry) does nothing.
      if (effective.length === 0) return this.copy();
      // A node with no membership yet (founding entry on a joiner) has no quorum to protect.
      if (this.tracker.config.incoming.size === 0 && this.tracker.config.outgoing.size === 0) return this.bootstrap(effective);
      if (effective.length === 1) return this.simple(effective);
    }
    // Several changes at once must be joint. 'auto' leaves the joint config by itself; an
    // explicit 'joint' waits for the application to propose leaveJoint.
    return this.enterJoint(cc.transition === 'auto', cc.changes);
  }

  enterJoint(autoLeave: boolean, changes: readonly ConfChangeSingle[]): ChangeResult {
    const { config, progress } = this.copy();
    if (config.outgoing.size > 0) throw new ConfChangeError('configuration is already joint');
    if (config.incoming.size === 0) throw new ConfChangeError('cannot make a zero-voter configuration joint');
    for (const id of config.incoming) config.outgoing.add(id);
    this.applyChanges(config, progress, changes);
    config.autoLeave = autoLeave;
    return checked(config, progress);
  }

  leaveJoint(): ChangeResult {
    const { config, progress } = this.copy();
    if (config.outgoing.size === 0) throw new ConfChangeError('configuration is not joint');
    for (const id of config.learnersNext) {
      config.learners.add(id);
      (progress.get(id) as Progress).isLearner = true;
    }
    config.learnersNext.clear();
    for (const id of config.outgoing) {
      if (!config.incoming.has(id) && !config.learners.has(id)) progress.delete(id);
    }
    config.outgoing.clear();
    config.autoLeave = false;
    return checked(config, progress);
  }

  /** At most one voter added or removed (learner changes are free): safe without joint consensus. */
  simple(changes: readonly ConfChangeSingle[]): ChangeResult {
    const { config, progress } = this.copy();
    if (config.outgoing.size > 0) throw new ConfChangeError('cannot apply a simple change to a joint configuration');
    const before = new Set(config.incoming);
    this.applyChanges(config, progress, changes);
    let changed = 0;
    for (const id of before) if (!config.incoming.has(id)) changed++;
    for (const id of config.incoming) if (!before.has(id)) changed++;
    if (changed > 1) throw new ConfChangeError('more than one voter changed without joint consensus');
    return checked(config, progress);
  }

  private changesSomething(c: ConfChangeSingle): boolean {
    const pr = this.tracker.progress.get(c.nodeId);
    if (c.op === 'removeNode') return pr !== undefined;
    if (pr === undefined) return true;
    const { incoming, learners } = this.tracker.config;
    return c.op === 'addVoter' ? !incoming.has(c.nodeId) : !learners.has(c.nodeId);
  }

  private bootstrap(changes: readonly ConfChangeSingle[]): ChangeResult {
    const { config, progress } = this.copy();
    this.applyChanges(config, progress, changes);
    return checked(config, progress);
  }

  private copy(): ChangeResult {
    const progress = new Map<NodeId, Progress>();
    for (const [id, pr] of this.tracker.progress) progress.set(id, pr.clone());
    return { config: cloneTrackerConfig(this.tracker.config), progress };
  }

  private applyChanges(config: TrackerConfig, progress: Map<NodeId, Progress>, changes: readonly ConfChangeSingle[]): void {
    for (const c of changes) {
      if (c.nodeId === 0) continue;
      if (c.op === 'addVoter') this.makeVoter(config, progress, c.nodeId);
      else if (c.op === 'addLearner') this.makeLearner(config, progress, c.nodeId);
      else remove(config, progress, c.nodeId);
    }
    if (config.incoming.size === 0) throw new ConfChangeError('removed all voters');
  }

  private makeVoter(config: TrackerConfig, progress: Map<NodeId, Progress>, id: NodeId): void {
    const pr = progress.get(id);
    if (pr === undefined) {
      this.initProgress(config, progress, id, false);
      return;
    }
    pr.isLearner = false;
    config.learners.delete(id);
    config.learnersNext.delete(id);
    config.incoming.add(id);
  }

  private makeLearner(config: TrackerConfig, progress: Map<NodeId, Progress>, id: NodeId): void {
    const pr = progress.get(id);
    if (pr === undefined) {
      this.initProgress(config, progress, id, true);
      return;
    }
    if (pr.isLearner) return;
    remove(config, progress, id);
    progress.set(id, pr);
    // A voter of the outgoing half keeps voting there until the joint config is left.
    if (config.outgoing.has(id)) {
      config.learnersNext.add(id);
    } else {
      pr.isLearner = true;
      config.learners.add(id);
    }
  }

  private initProgress(config: TrackerConfig, progress: Map<NodeId, Progress>, id: NodeId, isLearner: boolean): void {
    if (isLearner) config.learners.add(id);
    else config.incoming.add(id);
    // Probe from the leader's last index; rejections walk it back. Counted as recently active so
    // that CheckQuorum does not depose the leader before the new node had a chance to answer.
    const pr = new Progress(Math.max(this.lastIndex, 1), this.inflight, isLearner);
    pr.recentActive = true;
    progress.set(id, pr);
  }
}

function remove(config: TrackerConfig, progress: Map<NodeId, Progress>, id: NodeId): void {
  if (!progress.has(id)) return;
  config.incoming.delete(id);
  config.learners.delete(id);
  config.learnersNext.delete(id);
  // Still a voter of the outgoing half: keep tracking it until the joint config is left.
  if (!config.outgoing.has(id)) progress.delete(id);
}

function checked(config: TrackerConfig, progress: Map<NodeId, Progress>): ChangeResult {
  const fail = (msg: string): never => {
    throw new ConfChangeError(msg);
  };
  for (const ids of [config.incoming, config.outgoing, config.learners, config.learnersNext]) {
    for (const id of ids) if (!progress.has(id)) fail(`node ${id} has no progress`);
  }
  for (const id of config.learnersNext) {
    if (!config.outgoing.has(id)) fail(`node ${id} is in learnersNext but not an outgoing voter`);
    if ((progress.get(id) as Progress).isLearner) fail(`node ${id} is in learnersNext but already a learner`);
  }
  for (const id of config.learners) {
    if (config.incoming.has(id) || config.outgoing.has(id)) fail(`node ${id} is both learner and voter`);
    if (!(progress.get(id) as Progress).isLearner) fail(`learner ${id} is not marked as learner`);
  }
  if (config.outgoing.size === 0 && (config.learnersNext.size > 0 || config.autoLeave)) {
    fail('learnersNext or autoLeave set outside a joint configuration');
  }
  for (const [id, pr] of progress) {
    const tracked = config.incoming.has(id) || config.outgoing.has(id) || config.learners.has(id);
    if (!tracked) fail(`node ${id} has progress but no role`);
    if (pr.isLearner && !config.learners.has(id)) fail(`node ${id} is marked learner but is not one`);
  }
  return { config, progress };
}

/** Rebuilds the configuration recorded in a ConfState (after a restart or a snapshot). */
export function restoreConfig(cs: ConfState, lastIndex: number, inflight: InflightLimits): ChangeResult {
  const config = emptyTrackerConfig();
  const progress = new Map<NodeId, Progress>();
  const track = (id: NodeId, isLearner: boolean): void => {
    if (!progress.has(id)) progress.set(id, new Progress(lastIndex + 1, inflight, isLearner));
  };
  for (const id of cs.voters) {
    config.incoming.add(id);
    track(id, false);
  }
  for (const id of cs.votersOutgoing) {
    config.outgoing.add(id);
    track(id, false);
  }
  for (const id of cs.learners) {
    config.learners.add(id);
    track(id, true);
  }
  for (const id of cs.learnersNext) {
    config.learnersNext.add(id);
    track(id, false);
  }
  config.autoLeave = cs.autoLeave;
  return checked(config, progress);
}
