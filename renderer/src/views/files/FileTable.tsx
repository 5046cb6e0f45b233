// The open folder as an accessible table whose body is virtualised: sortable headers, a tick box
// per file and folder and one for everything shown, sub-folders first.
import { useCallback, useMemo, type ReactNode } from 'react';
import { Explained } from '../../shell/Explained';
import { VirtualList, type VisibleRange } from '../../shell/VirtualList';
import { useApp } from '../../store/context';
import type { FileEntry } from '../../store/files-derive';
import type { FileSortKey } from '../../store/state';
import { FILE_ROW_HEIGHT, FileRow, FolderRow } from './FileRow';

/** Start fetching the next page when the view comes this close to the end of what is loaded. */
const LOAD_AHEAD_ROWS = 200;

function SortHeader({ column, label, numeric = false }: { column: FileSortKey; label: ReactNode; numeric?: boolean }) {
  const sort = useApp((s) => s.files.sort);
  const setSort = useApp((s) => s.setFileSort);
  const active = sort.key === column;
  return (
    <span role="columnheader" className={numeric ? 'num' : undefined} aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="link-button sort-button" onClick={() => setSort(column)}>
        {label}
        <span aria-hidden="true" className="sort-mark">{active ? (sort.descending ? '▼' : '▲') : ''}</span>
      </button>
    </span>
  );
}

function SelectAll({ names }: { names: readonly string[] }) {
  const selected = useApp((s) => s.files.selected);
  const setSelected = useApp((s) => s.setFilesSelected);
  const ticked = names.filter((n) => selected[n]).length;
  return (
    <input
      type="checkbox"
      aria-label="Select everything shown"
      checked={names.length > 0 && ticked === names.length}
      ref={(el) => {
        if (el) el.indeterminate = ticked > 0 && ticked < names.length;
      }}
      disabled={names.length === 0}
      onChange={(e) => setSelected(names, e.currentTarget.checked)}
    />
  );
}

export function FileTable({ entries }: { entries: readonly FileEntry[] }) {
  const hasMore = useApp((s) => s.files.nextCursor !== null);
  const loadMore = useApp((s) => s.loadMoreFiles);
  const requestDetails = useApp((s) => s.requestFileDetails);
  const shownNames = useMemo(() => entries.map((e) => (e.kind === 'file' ? e.file.name : e.path)), [entries]);

  const onRangeChange = useCallback(
    ({ start, end }: VisibleRange) => {
      requestDetails(entries.slice(start, end).flatMap((e) => (e.kind === 'file' ? [e.file.name] : [])));
      if (hasMore && end >= entries.length - LOAD_AHEAD_ROWS) void loadMore();
    },
    [entries, hasMore, loadMore, requestDetails],
  );

  return (
    <div role="table" aria-label="Files" aria-rowcount={entries.length + 1} className="fill file-table">
      <div role="rowgroup">
        <div role="row" aria-rowindex={1} className="file-head">
          <span role="columnheader">
            <SelectAll names={shownNames} />
          </span>
          <SortHeader column="name" label="Name" />
          <SortHeader column="size" label="Size" numeric />
          <SortHeader column="modified" label="Modified" numeric />
          <SortHeader column="version" label={<Explained term="version">Version</Explained>} numeric />
          <SortHeader column="replicas" label={<Explained term="replication">Replicas</Explained>} />
          <SortHeader column="lock" label={<Explained term="lock">Lock</Explained>} />
          <span role="columnheader">Actions</span>
        </div>
      </div>
      <VirtualList
        role="rowgroup"
        className="file-list"
        items={entries}
        rowHeight={FILE_ROW_HEIGHT}
        onRangeChange={onRangeChange}
        renderRow={(entry, index, top) =>
          entry.kind === 'folder' ? (
            <FolderRow key={`folder:${entry.path}`} path={entry.path} index={index} top={top} />
          ) : (
            <FileRow key={entry.file.name} file={entry.file} index={index} top={top} />
          )
        }
      />
    </div>
  );
}
