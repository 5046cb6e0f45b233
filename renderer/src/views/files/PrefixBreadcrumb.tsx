// The open folder as a trail you can step back up through: All files / photos / 2024
import { useApp } from '../../store/context';

export function PrefixBreadcrumb() {
  const prefix = useApp((s) => s.files.prefix);
  const setPrefix = useApp((s) => s.setFilePrefix);
  const folders = prefix.split('/').slice(0, -1);
  return (
    <nav aria-label="Folder" className="breadcrumb">
      <ol>
        <li>
          <button type="button" className="link-button" aria-current={prefix === '' ? 'location' : undefined} onClick={() => setPrefix('')}>
            All files
          </button>
        </li>
        {folders.map((folder, i) => {
          const path = `${folders.slice(0, i + 1).join('/')}/`;
          return (
            <li key={path}>
              <span aria-hidden="true" className="muted">/</span>
              <button type="button" className="link-button" aria-current={path === prefix ? 'location' : undefined} onClick={() => setPrefix(path)}>
                {folder}
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
