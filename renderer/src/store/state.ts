// The shape of the one dashboard store: a slice per concern, each with its data and actions.
import type { StoreApi } from 'zustand/vanilla';
import type { ArchiveProgress, ClusterSnapshot, JournalRecord, LogLine, NodeAction, ProfileList, S3Access, SavedBackup, SaveProfileRequest, WatchedDeletePolicy, WatchedFolder, WatchedFolderSettings } from '../../../node-runtime/common/manager-api';
import type { FileInfo, FileListItem } from '../../../node-runtime/common/api-types';
import type { LogLevel } from '../../../node-runtime/common/config';
import type { NodeEvent } from '../../../node-runtime/common/node-events';
import type { ManagerEvent } from '../api/event-stream';
import type { StoreDeps } from './deps';
import type { CatchUpHistory } from './catch-up-history';

// ---- connection -----------------------------------------------------------------------------

export type ConnectionStatus = 'connecting' | 'open' | 'lost';

/** Why the stream is down, when a plain request could tell: the token was refused, or no answer. */
export type ConnectionProblem = 'unauthorized' | 'unreachable' | null;

export interface ConnectionData {
  readonly status: ConnectionStatus;
  /** Failed attempts since the last successful connection. */
  readonly failures: number;
  readonly nextRetryAt: number | null;
  readonly problem: ConnectionProblem;
}

export interface ConnectionSlice {
  readonly connection: ConnectionData;
  /** Opens the event stream and keeps it open (reconnecting with backoff) until disconnect(). */
  connect(): void;
  disconnect(): void;
  reconnectNow(): void;
  /** Where every manager event enters the store. */
  handleEvent(event: ManagerEvent): void;
}

// ---- cluster --------------------------------------------------------------------------------

export interface CommandFailure {
  readonly what: string;
  readonly message: string;
  readonly at: number;
}

export interface ClusterSlice {
  readonly snapshot: ClusterSnapshot | null;
  /** Commands in flight, keyed like "3:kill" or "cluster:addNode", so their buttons can show it. */
  readonly pendingCommands: Readonly<Record<string, true>>;
  readonly commandFailure: CommandFailure | null;
  runNodeAction(id: number, action: NodeAction): Promise<void>;
  transferLeadership(id: number): Promise<void>;
  isolateNode(id: number): Promise<void>;
  healNode(id: number): Promise<void>;
  healAllPartitions(): Promise<void>;
  addNode(): Promise<void>;
  removeNode(id: number): Promise<void>;
  dismissCommandFailure(): void;
}

// ---- files ----------------------------------------------------------------------------------

export type FileSortKey = 'name' | 'size' | 'modified' | 'version' | 'replicas' | 'lock';

export interface FileSort {
  readonly key: FileSortKey;
  readonly descending: boolean;
}

export interface FilesData {
  /** The open folder: "" for the top level, else a path ending in "/". */
  readonly prefix: string;
  readonly items: readonly FileListItem[];
  /** Sub-folders of the open folder ("docs/sub/"), as loaded so far. */
  readonly folders: readonly string[];
  readonly sort: FileSort;
  /**
   * The name search as typed: files whose name (last part) contains it in any case, in every
   * folder. It narrows what is loaded at once, and is searched for on the server after a pause.
   */
  readonly filter: string;
  /** The search `items` were listed for: "" while they are the open folder's entries. */
  readonly search: string;
  /** Files ticked for a bulk action, by name, and folders by path ("docs/sub/"). */
  readonly selected: Readonly<Record<string, true>>;
  /** The zip of the selection being prepared, then sent (its download runs in the browser). */
  readonly archive: ArchiveDownload | null;
  /** The file whose details drawer is open. */
  readonly openFile: string | null;
  readonly nextCursor: string | null;
  readonly status: 'idle' | 'loading' | 'error';
  readonly error: string | null;
  readonly loadedOnce: boolean;
  /** The listing changed on the server and is too long to reload automatically. */
  readonly stale: boolean;
  /** Full file info (with `completeOn`) for rows that were shown, by name. */
  readonly details: Readonly<Record<string, FileInfo>>;
  /**
   * How many nodes hold each listed file whole, from the listing itself (asked for only while
   * sorting by replicas): so every row sorts right, including rows never shown. Null until a
   * listing with it was loaded.
   */
  readonly listedCopies: ListedCopies | null;
  /** Lock tokens this dashboard holds, by file name; needed to release the lock. */
  readonly heldLocks: Readonly<Record<string, string>>;
  /** Per-file action in flight ("delete", "lock", "unlock"). */
  readonly busy: Readonly<Record<string, string>>;
  readonly actionFailure: CommandFailure | null;
}

/** A listing's replica summary (FileList.replicas), folded: only the files short of copies are named. */
export interface ListedCopies {
  /** Copies of a file not named in `short`: the nodes that answered. */
  readonly whole: number;
  /** File name → its copies, for files some answering node lacks chunks of. */
  readonly short: Readonly<Record<string, number>>;
}

export interface ArchiveDownload {
  /** Null while the manager is still finding the files. */
  readonly id: string | null;
  /** "2 files and 1 folder" */
  readonly what: string;
  readonly fileName: string | null;
}

export interface FilesSlice {
  readonly files: FilesData;
  /** Opens a folder ("" for the top level). */
  setFilePrefix(prefix: string): void;
  loadFiles(): Promise<void>;
  loadMoreFiles(): Promise<void>;
  /** Sorts by `key`; choosing the current key again reverses the order. */
  setFileSort(key: FileSortKey): void;
  setFileFilter(text: string): void;
  setFilesSelected(names: readonly string[], selected: boolean): void;
  /**
   * Deletes every ticked file, and every file in each ticked folder, a few at a time; failures
   * stay ticked and are reported once.
   */
  deleteSelectedFiles(): Promise<void>;
  /**
   * Asks the manager for a zip of the selection; resolves with the URL to download it from (a
   * plain link, as for one file), or null when it failed (reported as the action failure).
   */
  prepareSelectionZip(): Promise<string | null>;
  /** An `archive` event from the manager: a zip that failed mid-way is reported. */
  noteArchiveProgress(progress: ArchiveProgress): void;
  /** Opens the details drawer of a file (re-reading its details), or closes it with null. */
  openFileDetails(name: string | null): void;
  /** The first `maxBytes` of a file as text, for a preview. */
  readFileHead(name: string, maxBytes: number): Promise<string>;
  requestFileDetails(names: readonly string[]): void;
  deleteFile(name: string): Promise<void>;
  lockFile(name: string): Promise<void>;
  unlockFile(name: string): Promise<void>;
  downloadUrl(name: string): string;
  /** Called when something changed on the server that may alter the listing. */
  noteFilesChanged(): void;
  /** Re-reads the details of shown files not yet complete everywhere (at most every 2 s each). */
  refreshShownDetails(): void;
  dismissFileFailure(): void;
}

// ---- uploads --------------------------------------------------------------------------------

export type UploadState = 'queued' | 'uploading' | 'done' | 'failed' | 'cancelled';

export interface UploadEntry {
  readonly id: string;
  readonly name: string;
  readonly file: Blob;
  readonly size: number;
  readonly state: UploadState;
  readonly bytesSent: number;
  readonly bytesPerSec: number;
  readonly startedAt: number | null;
  readonly error: { readonly code: string; readonly message: string } | null;
  /** Sent as Idempotency-Key with every attempt, so a resend after an unknown outcome stores the file once. */
  readonly requestId: string;
  /** Since when the upload has been waiting for a leader (sent again when one may be there); null while not waiting. */
  readonly waitingSince: number | null;
}

export interface UploadsSlice {
  readonly uploads: readonly UploadEntry[];
  enqueueUploads(items: readonly { readonly name: string; readonly file: Blob }[]): void;
  cancelUpload(id: string): void;
  retryUpload(id: string): void;
  dismissUpload(id: string): void;
  clearFinishedUploads(): void;
}

// ---- config ---------------------------------------------------------------------------------

/** Which settings the editor shows: the cluster's, or one node's. */
export type ConfigTarget = 'cluster' | number;

export interface AppliedChange {
  readonly key: string;
  readonly from: string;
  readonly to: string;
}

export interface ConfigData {
  readonly target: ConfigTarget;
  /** Edited values as typed, by key; only keys the user touched. */
  readonly drafts: Readonly<Record<string, string>>;
  /** Validation errors by key (from the local check or the server's config_invalid). */
  readonly errors: Readonly<Record<string, string>>;
  readonly formError: string | null;
  readonly applying: boolean;
  readonly lastApplied: { readonly target: ConfigTarget; readonly at: number; readonly changes: readonly AppliedChange[] } | null;
}

export interface ConfigSlice {
  readonly config: ConfigData;
  setConfigTarget(target: ConfigTarget): void;
  editSetting(key: string, value: string): void;
  discardConfigDrafts(): void;
  applyConfig(): Promise<void>;
}

// ---- logs -----------------------------------------------------------------------------------

export interface LogFilter {
  readonly node: 'all' | number;
  readonly minLevel: LogLevel;
  readonly text: string;
}

export interface LogsData {
  readonly lines: readonly LogLine[];
  /** Lines frozen at the moment the tail was paused; null while live. */
  readonly pausedLines: readonly LogLine[] | null;
  /** Lines received since the pause. */
  readonly missedWhilePaused: number;
  readonly filter: LogFilter;
}

export interface LogsSlice {
  readonly logs: LogsData;
  appendLogs(lines: readonly LogLine[]): void;
  setLogFilter(patch: Partial<LogFilter>): void;
  setLogsPaused(paused: boolean): void;
  loadRecentLogs(): Promise<void>;
}

// ---- metrics history ------------------------------------------------------------------------

export interface MetricSample {
  readonly time: number;
  readonly leaderCommit: number | null;
  readonly term: number | null;
  /** Entries behind the leader, per follower id. */
  readonly lagByNode: Readonly<Record<number, number>>;
  readonly bytesOnDiskByNode: Readonly<Record<number, number>>;
  /** Logical bytes stored in the cluster (the leader's totalSize). */
  readonly totalSize: number | null;
  /** Bytes per second clients sent to / read from the nodes, summed over nodes (their own counters). */
  readonly uploadBytesPerSec: number;
  readonly downloadBytesPerSec: number;
  /** Raft proposals per second that committed / that never did, summed over the nodes. */
  readonly proposalsCommittedPerSec: number;
  readonly proposalsFailedPerSec: number;
  /** Client bytes per second (sent plus read) through each node, by id. */
  readonly throughputByNode: Readonly<Record<number, number>>;
  /** Each reachable node's own p95 request latency, by id. */
  readonly latencyP95ByNode: Readonly<Record<number, number>>;
  /** The highest request latency percentiles among reachable nodes (each over its recent requests). */
  readonly latencyP50Ms: number | null;
  readonly latencyP95Ms: number | null;
}

export interface LeaderChangeMark {
  readonly time: number;
  readonly term: number;
  readonly leaderId: number | null;
}

export interface MetricsData {
  readonly samples: readonly MetricSample[];
  readonly leaderChanges: readonly LeaderChangeMark[];
  /** How far back the charts look (one of CHART_RANGES_MS). */
  readonly rangeMs: number;
}

export interface MetricsSlice {
  readonly metrics: MetricsData;
  /** Closes the current one-second bucket into a sample. */
  /** One sample from `snapshot` (the current one by default), taken at `now`. */
  recordSample(now: number, snapshot?: ClusterSnapshot | null): void;
  /** Charts from before this page loaded: the journal's snapshots and leader changes, oldest first. */
  restoreHistory(snapshots: readonly ClusterSnapshot[], marks: readonly LeaderChangeMark[]): void;
  /** Once per page: restores the charts from the manager's journal. */
  loadHistory(): Promise<void>;
  recordLeaderChange(mark: LeaderChangeMark): void;
  setChartRange(rangeMs: number): void;
}

// ---- recovery history and the observed raft log ---------------------------------------------

export type RecoveryEventKind =
  | 'nodeDown'
  | 'nodeUp'
  | 'snapshotStarted'
  | 'snapshotFinished'
  | 'scrubStarted'
  | 'scrubFinished'
  | 'corruptChunk';

export interface RecoveryEvent {
  readonly time: number;
  readonly nodeId: number;
  readonly kind: RecoveryEventKind;
  readonly text: string;
}

export interface HistorySlice {
  readonly recoveryEvents: readonly RecoveryEvent[];
  /** Each time a node was out and came back, its catch-up with that catch-up's own totals. */
  readonly catchUpHistory: CatchUpHistory;
  /** Picks the recovery-related lines (a corrupt chunk found by the scrubber) out of the logs. */
  observeLogLine(line: LogLine): void;
}

// ---- cluster profiles (which cluster the dashboard shows) ----------------------------------

export interface ProfilesData {
  readonly list: ProfileList | null;
  /** A change in flight: "activate", "save" or "remove". */
  readonly busy: string | null;
  readonly error: string | null;
}

export interface ProfilesSlice {
  readonly profiles: ProfilesData;
  loadProfiles(): Promise<void>;
  activateProfile(name: string): Promise<void>;
  saveAttachProfile(name: string, request: SaveProfileRequest): Promise<boolean>;
  removeProfile(name: string): Promise<void>;
}

// ---- S3 (the "Connect a tool" panel) --------------------------------------------------------

export interface S3Slice {
  /** The key the local cluster's S3 endpoints accept; null until loaded, or for attached clusters. */
  readonly s3Access: { readonly access: S3Access | null; readonly loaded: boolean };
  loadS3Access(): Promise<void>;
}

// ---- watched folders ------------------------------------------------------------------------

export interface WatchedData {
  /** Null until the manager sent the list (it does not where the app keeps them itself). */
  readonly folders: readonly WatchedFolder[] | null;
  readonly busy: boolean;
  readonly error: string | null;
}

export interface WatchedSlice {
  readonly watched: WatchedData;
  /** Whether folders are chosen with the app's native picker (else typed as a path, web mode). */
  readonly canPickFolders: boolean;
  /** Whether a watched folder can be shown in the system file manager (the app). */
  readonly canRevealFolders: boolean;
  /** Web mode: watch a folder given by its absolute path on the manager's machine. */
  watchFolderPath(path: string, deletePolicy: WatchedDeletePolicy): Promise<boolean>;
  /** Changes a folder's settings (delete policy, ignore patterns); true when the manager took them. */
  updateWatchedFolder(id: string, settings: Partial<WatchedFolderSettings>): Promise<boolean>;
  /** A full scan of the folder now. */
  rescanWatchedFolder(id: string): Promise<void>;
  /** Keeps a folder paused because it is on another drive as it is now, and resumes it. */
  resumeWatchedFolder(id: string): Promise<void>;
  /** The app: choose a folder with the native picker, then give it this delete policy. */
  chooseFolderToWatch(deletePolicy: WatchedDeletePolicy): Promise<void>;
  stopWatching(id: string): Promise<void>;
  revealWatchedFolder(id: string): void;
}

// ---- backups ("Back up now" in the Storage view) --------------------------------------------

export interface BackupData {
  /** A backup is being streamed, checked and saved. */
  readonly busy: boolean;
  /** The last backup this dashboard saved, until the next attempt. */
  readonly saved: SavedBackup | null;
  readonly error: string | null;
}

export interface BackupSlice {
  readonly backup: BackupData;
  /** Whether the folder is chosen with the app's native picker (else typed as a path, web mode). */
  readonly canPickBackupFolder: boolean;
  /** Saves a verified backup of the cluster into `folder` (absolute, on the manager's machine). */
  backUpNow(folder: string): Promise<void>;
  /** The app: the native folder picker; the chosen path, or null when cancelled. */
  chooseBackupFolder(): Promise<string | null>;
}

// ---- the cluster frame: what the cluster views show, live or replayed --------------------------

export interface ReceivedNodeEvent {
  readonly event: NodeEvent;
  /** When the dashboard received it (its own clock, like every animation), or when the journal recorded it. */
  readonly at: number;
}

export interface ReplayData {
  /** The moment every cluster view shows; null while live. */
  readonly at: number | null;
  /** The journal's records replay folds, oldest first (loaded when replay opens). */
  readonly records: readonly JournalRecord[];
  /** The first and last moment those records cover. */
  readonly from: number;
  readonly until: number;
  readonly loading: boolean;
  readonly error: string | null;
  /** Playing forward in slow motion. */
  readonly playing: boolean;
}

export interface ReplaySlice {
  /** Role and vote events of the last few seconds, oldest first (part of the cluster frame). */
  readonly electionEvents: readonly ReceivedNodeEvent[];
  readonly replay: ReplayData;
  /**
   * Where snapshots and node events enter the cluster frame: folded into the shown state while
   * live, into the live state kept aside while a past moment is shown.
   */
  observeRecord(record: JournalRecord): void;
  /** The cluster as it is now, whatever moment is shown: what commands, uploads and charts work from. */
  liveSnapshot(): ClusterSnapshot | null;
  /** Loads the journal's recent records and shows the newest moment they cover. */
  openReplay(): Promise<void>;
  /** Shows every cluster view as it was at `at` (clamped to what the records cover). */
  seekReplay(at: number): void;
  /** Plays the last `lastMs` of the records at SLOW_MOTION_SPEED. */
  slowMotion(lastMs?: number): Promise<void>;
  playReplay(): void;
  pauseReplay(): void;
  /** Back to the live cluster. */
  goLive(): void;
}

// ---- ui -------------------------------------------------------------------------------------

export const TABS = ['overview', 'files', 'storage', 'recovery', 'activity', 'config', 'logs', 'raft'] as const;
export type TabId = (typeof TABS)[number];

export interface UiSlice {
  readonly tab: TabId;
  /** The "attach to a cluster" form is unfolded (also asked for by the app's menu). */
  readonly attachFormOpen: boolean;
  /** Whether the app can open its data folder in the system file manager (not in a browser). */
  readonly canOpenDataFolder: boolean;
  setTab(tab: TabId): void;
  setAttachFormOpen(open: boolean): void;
  openDataFolder(): void;
}

// ---- the whole store ------------------------------------------------------------------------

export type AppState = ConnectionSlice &
  ClusterSlice &
  FilesSlice &
  UploadsSlice &
  ConfigSlice &
  LogsSlice &
  MetricsSlice &
  HistorySlice &
  ProfilesSlice &
  S3Slice &
  WatchedSlice &
  BackupSlice &
  ReplaySlice &
  UiSlice;

export type AppStore = StoreApi<AppState>;

export type SliceCreator<T> = (set: AppStore['setState'], get: AppStore['getState'], deps: StoreDeps) => T;
