// The dashboard shell: headline, banners, view tabs, the active view, and the upload dock.
import { CommandFailureAlert } from './shell/CommandFailureAlert';
import { ConfigView } from './views/config/ConfigView';
import { ConnectionBanner } from './shell/ConnectionBanner';
import { DropZone } from './views/files/DropZone';
import { FilesView } from './views/files/FilesView';
import { LogsView } from './views/logs/LogsView';
import { NoQuorumBanner } from './shell/NoQuorumBanner';
import { ReplayBar } from './shell/ReplayBar';
import { OverviewView } from './views/overview/OverviewView';
import { RaftView } from './views/raft/RaftView';
import { RecoveryView } from './views/recovery/RecoveryView';
import { StorageView } from './views/storage/StorageView';
import { TabBar, panelId, tabId } from './shell/TabBar';
import { UploadQueue } from './views/files/UploadQueue';
import { ClusterHeadline } from './views/overview/ClusterHeadline';
import { useApp } from './store/context';
import type { TabId } from './store/state';
import { Suspense, lazy, type ComponentType } from 'react';

// The charts library is most of the bundle; it loads when a chart is first shown.
const ActivityView = lazy(() => import('./views/activity/ActivityView').then((m) => ({ default: m.ActivityView })));

const VIEWS: Readonly<Record<TabId, ComponentType>> = {
  overview: OverviewView,
  files: FilesView,
  storage: StorageView,
  recovery: RecoveryView,
  activity: ActivityView,
  config: ConfigView,
  logs: LogsView,
  raft: RaftView,
};

export function App() {
  const tab = useApp((s) => s.tab);
  const View = VIEWS[tab];
  return (
    <DropZone>
      <header className="app-header">
        <h1>DFS Desktop</h1>
        <ClusterHeadline />
      </header>
      <ReplayBar />
      <ConnectionBanner />
      <NoQuorumBanner />
      <CommandFailureAlert />
      <TabBar />
      <main className="app-main">
        <div role="tabpanel" id={panelId(tab)} aria-labelledby={tabId(tab)} className="panel">
          <Suspense fallback={<p className="empty">Loading…</p>}>
            <View />
          </Suspense>
        </div>
      </main>
      <UploadQueue />
    </DropZone>
  );
}
