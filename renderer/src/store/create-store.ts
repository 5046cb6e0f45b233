// Assembles the one dashboard store from its slices.
import { createStore } from 'zustand/vanilla';
import { createBackupSlice } from './backup-slice';
import { createClusterSlice } from './cluster-slice';
import { createConfigSlice } from './config-slice';
import { createConnectionSlice } from './connection-slice';
import type { StoreDeps } from './deps';
import { createFilesSlice } from './files-slice';
import { createHistorySlice } from './history-slice';
import { createLogsSlice } from './logs-slice';
import { createMetricsSlice } from './metrics-slice';
import { createProfilesSlice } from './profiles-slice';
import { createReplaySlice } from './replay-slice';
import { createS3Slice } from './s3-slice';
import type { AppState, AppStore } from './state';
import { createUiSlice } from './ui-slice';
import { createUploadsSlice } from './uploads-slice';
import { createWatchedSlice } from './watched-slice';

export function createAppStore(deps: StoreDeps): AppStore {
  return createStore<AppState>()((set, get) => ({
    ...createConnectionSlice(set, get, deps),
    ...createClusterSlice(set, get, deps),
    ...createFilesSlice(set, get, deps),
    ...createUploadsSlice(set, get, deps),
    ...createConfigSlice(set, get, deps),
    ...createLogsSlice(set, get, deps),
    ...createMetricsSlice(set, get, deps),
    ...createHistorySlice(set, get, deps),
    ...createProfilesSlice(set, get, deps),
    ...createS3Slice(set, get, deps),
    ...createWatchedSlice(set, get, deps),
    ...createBackupSlice(set, get, deps),
    ...createReplaySlice(set, get, deps),
    ...createUiSlice(set, get, deps),
  }));
}
