// Accepts files and folders dropped anywhere on the window and queues them for upload.
import { useRef, useState, type DragEvent, type ReactNode } from 'react';
import { useApp } from '../../store/context';
import { collectDroppedFiles } from './dropped-files';

const carriesFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');

export function DropZone({ children }: { children: ReactNode }) {
  const enqueue = useApp((s) => s.enqueueUploads);
  const [dragging, setDragging] = useState(false);
  // dragenter/dragleave fire for every child element crossed; count them to know when we left.
  const depth = useRef(0);

  return (
    <div
      className="app"
      onDragEnter={(e) => {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        depth.current += 1;
        setDragging(true);
      }}
      onDragOver={(e) => {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={() => {
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setDragging(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        depth.current = 0;
        setDragging(false);
        void collectDroppedFiles(e.dataTransfer).then((files) => {
          if (files.length > 0) enqueue(files);
        });
      }}
    >
      {children}
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          Drop files or folders to upload them to the cluster
        </div>
      )}
    </div>
  );
}
