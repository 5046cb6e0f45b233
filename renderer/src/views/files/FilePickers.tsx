// "Choose files" and "Choose folder": the keyboard way to do what drag and drop does.
import { useRef } from 'react';
import { useApp } from '../../store/context';
import { namedFromInput } from './dropped-files';

export function FilePickers() {
  const enqueue = useApp((s) => s.enqueueUploads);
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);

  const take = (input: HTMLInputElement) => {
    const files = namedFromInput(input.files);
    if (files.length > 0) enqueue(files);
    input.value = '';
  };

  return (
    <>
      <button type="button" className="btn btn-primary" onClick={() => filesInput.current?.click()}>
        Choose files…
      </button>
      <button type="button" className="btn" onClick={() => folderInput.current?.click()}>
        Choose folder…
      </button>
      <input ref={filesInput} type="file" multiple hidden aria-label="Files to upload" onChange={(e) => take(e.currentTarget)} />
      <input
        ref={(el) => {
          folderInput.current = el;
          el?.setAttribute('webkitdirectory', '');
        }}
        type="file"
        hidden
        aria-label="Folder to upload"
        onChange={(e) => take(e.currentTarget)}
      />
    </>
  );
}
