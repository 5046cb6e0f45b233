// "Connect a tool": copyable rclone, AWS CLI and s3cmd commands for the cluster's S3 endpoint
// (issue #17), with the key this app generated for its nodes. Attached clusters keep their keys
// elsewhere, so the panel then only names the endpoint.
import { useEffect } from 'react';
import { useApp } from '../../store/context';
import { CopyButton } from '../files/CopyButton';
import { toolSnippets } from './tool-snippets';

export function ConnectTool() {
  const snapshot = useApp((s) => s.snapshot);
  const { access, loaded } = useApp((s) => s.s3Access);
  const loadS3Access = useApp((s) => s.loadS3Access);
  useEffect(() => {
    void loadS3Access();
  }, [loadS3Access, snapshot?.profile]);

  // Any node takes any request; the first answering one with S3 on is as good as any.
  const endpoint = snapshot?.nodes.find((n) => n.reachable && n.report?.status.s3Url)?.report?.status.s3Url ?? null;
  if (endpoint === null) return null;
  return (
    <section className="card stack" aria-label="Connect a tool">
      <h2>Connect a tool</h2>
      <p>
        Every node speaks S3 too, so backup and sync tools work against the cluster unchanged. This one is at <code>{endpoint}</code>.
      </p>
      {access === null ? (
        <p className="muted">{loaded ? 'This cluster was started elsewhere: use the S3 keys its nodes were given.' : 'Loading the S3 keys…'}</p>
      ) : (
        toolSnippets(endpoint, access).map((snippet) => (
          <div key={snippet.tool} className="stack">
            <div className="row">
              <h3>{snippet.title}</h3>
              <span className="spacer" />
              <CopyButton text={snippet.text} label={`Copy the ${snippet.tool} commands`} />
            </div>
            <pre className="snippet">{snippet.text}</pre>
          </div>
        ))
      )}
    </section>
  );
}
