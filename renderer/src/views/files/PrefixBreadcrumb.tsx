// The searched prefix as folders you can step back up through: All files / photos / 2024 /
import { useApp } from '../../store/context';

export function PrefixBreadcrumb() {
  const prefix = useApp((s) => s.files.prefix);
  const setPrefix = useApp((s) => s.setFilePrefix);
  const folders = prefix.split('/').slice(0, -1);
  if (folders.length === 0) return null;
  return (
    <nav aria-label="Folder" className="row">
      <button type="button" className="btn btn-small" onClick={() => setPrefix('')}>
        All files
      </button>
      {folders.map((folder, i) => {
        const path = `${folders.slice(0, i + 1).join('/')}/`;
        return (
          <span key={path} className="row">
            <span className="muted">/</span>
            <button type="button" className="btn btn-small" aria-current={path === prefix ? 'location' : undefined} onClick={() => setPrefix(path)}>
              {folder}
            </button>
          </span>
        );
      })}
    </nav>
  );
}
