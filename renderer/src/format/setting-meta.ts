// What each setting is called and what it does, in plain words: the label and the one-line help
// the Configuration view shows under it. The key stays visible for people who script the API.

export interface SettingMeta {
  readonly label: string;
  readonly help: string;
}

export const SETTING_META: Readonly<Record<string, SettingMeta>> = {
  storageQuota: { label: 'Storage quota', help: 'Most bytes the cluster stores in all, each file counted once (not per copy).' },
  maxFileBytes: { label: 'Largest file', help: 'Biggest single file a write may store, whatever room the quota leaves.' },
  chunkSize: { label: 'Chunk size', help: 'Files written from now on are cut into pieces of this size; existing files keep theirs.' },
  inlineMaxBytes: { label: 'Small file limit', help: 'Files up to this size are replicated inside the log entry that records them: one round, no chunk files.' },
  heartbeatInterval: { label: 'Heartbeat interval', help: 'How often the leader tells the followers it is alive.' },
  electionTimeout: { label: 'Election timeout', help: 'How long a follower waits without news from the leader before it starts an election.' },
  recoveryEnabled: { label: 'Repair automatically', help: 'Nodes fetch the chunks they miss and replace corrupt ones from a healthy peer.' },
  scrubRateBytesPerSec: { label: 'Integrity check speed', help: 'How fast the background check re-reads stored chunks; 0 turns it off.' },
  scrubIntervalSec: { label: 'Integrity check pause', help: 'Rest between two full passes of the background check.' },
  snapshotThreshold: { label: 'Snapshot every', help: 'Changes applied before a node saves its state and trims its log.' },
  lockDefaultTtlMs: { label: 'Default lock length', help: 'How long a lock lasts when the client does not say.' },
  logLevel: { label: 'Log level', help: 'The least important kind of message this node still writes to its log.' },
  diskReserveBytes: { label: 'Disk kept free', help: 'Free space this node never fills; writes that would use it are refused.' },
  bodyIdleTimeoutMs: { label: 'Stalled upload limit', help: 'An upload that sends less than 1 KiB in this long (stalled, or trickling) is cut off.' },
  openHealthRoutes: { label: 'Open health checks', help: 'With an API token set, /livez, /readyz and /metrics still answer without it.' },
  maxConcurrentUploads: { label: 'Uploads at once', help: 'Uploads this node takes at the same time; more wait for a free slot (429).' },
  requestTimeoutMs: { label: 'Request time limit', help: 'Longest a whole request may take to arrive; 0 means no limit.' },
  maxHeaderBytes: { label: 'Header size limit', help: 'Largest request line and headers a node reads; larger requests get 431. Applies to new connections.' },
  leaderWaitMs: { label: 'Wait for a leader', help: 'A write that arrives during an election waits this long for a new leader before it is refused (503).' },
};

export function settingMeta(key: string): SettingMeta {
  return SETTING_META[key] ?? { label: key, help: '' };
}
