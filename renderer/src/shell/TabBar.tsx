// The view switcher: a WAI-ARIA tab list (arrow keys, Home, End move between tabs).
import type { KeyboardEvent } from 'react';
import { useApp } from '../store/context';
import { TABS, type TabId } from '../store/state';

const TAB_LABELS: Readonly<Record<TabId, string>> = {
  overview: 'Overview',
  files: 'Files',
  storage: 'Storage',
  recovery: 'Recovery',
  activity: 'Activity',
  config: 'Configuration',
  logs: 'Logs',
  raft: 'Raft view',
};

export const tabId = (tab: TabId) => `tab-${tab}`;
export const panelId = (tab: TabId) => `panel-${tab}`;

export function TabBar() {
  const current = useApp((s) => s.tab);
  const setTab = useApp((s) => s.setTab);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const index = TABS.indexOf(current);
    const next =
      e.key === 'ArrowRight' ? (index + 1) % TABS.length
      : e.key === 'ArrowLeft' ? (index - 1 + TABS.length) % TABS.length
      : e.key === 'Home' ? 0
      : e.key === 'End' ? TABS.length - 1
      : null;
    if (next === null) return;
    e.preventDefault();
    const tab = TABS[next] as TabId;
    setTab(tab);
    document.getElementById(tabId(tab))?.focus();
  };

  return (
    <div role="tablist" aria-label="Views" className="tabs" onKeyDown={onKeyDown}>
      {TABS.map((tab) => (
        <button
          key={tab}
          id={tabId(tab)}
          role="tab"
          type="button"
          className="tab"
          aria-selected={tab === current}
          aria-controls={panelId(tab)}
          tabIndex={tab === current ? 0 : -1}
          onClick={() => setTab(tab)}
        >
          {TAB_LABELS[tab]}
        </button>
      ))}
    </div>
  );
}
