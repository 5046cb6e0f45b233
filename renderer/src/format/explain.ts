// One-line explanations shown on hover, for people who have never read the Raft paper.

export const EXPLAIN = {
  leader: 'The one node that accepts writes and tells the others what to store. Elected by a majority.',
  follower: 'Copies what the leader sends it. Becomes a candidate if the leader goes quiet.',
  candidate: 'Asking the other nodes for votes to become the new leader.',
  preCandidate: 'Checking whether it could win an election before starting one, so a cut-off node does not disturb the rest.',
  term: 'Election round number. It goes up each time a node starts an election; at most one leader per term.',
  commitIndex: 'Position of the newest change that a majority has stored. Committed changes are never lost.',
  appliedIndex: 'Position of the newest change this node has carried out on its own copy of the files.',
  lastIndex: 'Position of the newest change in this node’s log, committed or not.',
  trailing: 'How many changes this node still has to receive to match the leader.',
  lastContact: 'Time since the leader last heard back from this node.',
  quorum: 'A majority of the nodes. Writes need a quorum; without one the cluster is read-only.',
  faultTolerance: 'How many more nodes can fail before the cluster loses its majority and stops accepting writes.',
  snapshot: 'A compact copy of the whole state, sent to a node that is too far behind to replay the log.',
  scrub: 'Background check that re-reads every stored chunk and compares its SHA-256 hash; bad chunks are replaced from a healthy node.',
  replication: 'Nodes that hold every chunk of this file. A file survives as long as one of them does.',
  partition: 'A simulated network cut: the isolated node cannot talk to the others, but keeps running.',
  vote: 'Each node grants one vote per term, to the first candidate whose log is at least as up to date as its own; a majority of votes makes a leader.',
  electionTimer: 'If a follower hears nothing from the leader for this long, it starts an election.',
  quota: 'Cluster-wide limit on stored bytes (each file counted once, not per copy).',
  version: 'Counts the writes of this file: 1 when it was created, one more on every overwrite.',
  revision: 'The position in the cluster log of the write that made this content. It never repeats, even when a file is deleted and written again: send it as ?expectedRevision= to overwrite only this exact content.',
  lastBackup: 'When this node last sent a whole backup of the cluster (Back up now, or dfsctl backup save): its files, locks and settings at one committed point, with every file’s content. Snapshots the node takes of its own log are not backups.',
  lock: 'A lease that stops others from changing the file until it is released or expires.',
  scope: 'Cluster settings are the same on every node and change through the log; node settings belong to one node.',
  source: 'Where the value comes from: default, config file, environment, command-line flag, or set here (api).',
} as const;

export type ExplainKey = keyof typeof EXPLAIN;
