// The file listing as an accessible table whose body is virtualised.
import { useCallback } from 'react';
import type { FileListItem } from '../../../../node-runtime/common/api-types';
import { Explained } from '../../shell/Explained';
import { VirtualList, type VisibleRange } from '../../shell/VirtualList';
import { useApp } from '../../store/context';
import { FILE_ROW_HEIGHT, FileRow } from './FileRow';

/** Start fetching the next page when the view comes this close to the end of what is loaded. */
const LOAD_AHEAD_ROWS = 200;

export function FileTable({ items }: { items: readonly FileListItem[] }) {
  const hasMore = useApp((s) => s.files.nextCursor !== null);
  const loadMore = useApp((s) => s.loadMoreFiles);
  const requestDetails = useApp((s) => s.requestFileDetails);

  const onRangeChange = useCallback(
    ({ start, end }: VisibleRange) => {
      requestDetails(items.slice(start, end).map((i) => i.name));
      if (hasMore && end >= items.length - LOAD_AHEAD_ROWS) void loadMore();
    },
    [items, hasMore, loadMore, requestDetails],
  );

  return (
    <div role="table" aria-label="Files" aria-rowcount={items.length + 1} className="fill">
      <div role="rowgroup">
        <div role="row" aria-rowindex={1} className="file-head">
          <span role="columnheader">Name</span>
          <span role="columnheader">Size</span>
          <span role="columnheader">Modified</span>
          <span role="columnheader"><Explained term="version">Version</Explained></span>
          <span role="columnheader"><Explained term="replication">Replicas</Explained></span>
          <span role="columnheader"><Explained term="lock">Lock</Explained></span>
          <span role="columnheader">Actions</span>
        </div>
      </div>
      <VirtualList
        role="rowgroup"
        className="file-list"
        items={items}
        rowHeight={FILE_ROW_HEIGHT}
        onRangeChange={onRangeChange}
        renderRow={(file, index, top) => <FileRow key={file.name} file={file} index={index} top={top} />}
      />
    </div>
  );
}
