// The public surface of the replicated state machine.

export {
  COMMAND_FORMATS,
  commandSchema,
  CommandDecodeError,
  decodeCommand,
  encodeCommand,
  FIRST_INLINE_FORMAT,
  MAX_LOCK_TTL_MS,
  parseCommand,
  type Command,
  type CommandType,
  type ConfigSetCommand,
  type DeleteCommand,
  type LockAcquireCommand,
  type LockReleaseCommand,
  type LockRenewCommand,
  type PutCommand,
  type TickCommand,
} from './commands';
export { toFileInfo, toFileList, toFileListItem, toLockGrant, toLockInfo } from './api-views';
export { DEFAULT_LIST_LIMIT, type ListOptions, type ListPage } from './file-catalog';
export { isInline, type ContentBytes } from './inline-contents';
export {
  rejectionToApiError,
  type Applied,
  type ApplyResult,
  type FileRecord,
  type LockRecord,
  type Rejected,
  type Rejection,
  type RejectionCode,
} from './outcomes';
export { isRefusal, type RecordedRefusal, type RecordedRequest, type RecordedWrite } from './request-table';
export { encodeSnapshotPieces, SnapshotFormatError, withContentBytes, withContentBytesPieces, type SnapshotState } from './snapshot-codec';
export { namedContentsPieces, type NamedContent } from './snapshot-contents';
export { FsmInvariantError, StateMachine, type RaftEntryLike } from './state-machine';
