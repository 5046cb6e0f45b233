// Saves a headless cluster running elsewhere, so the dashboard can switch to it: its nodes, and
// what the manager needs to reach them (secret, client token, the CA of nodes serving HTTPS).
import { useState, type FormEvent } from 'react';
import { useApp } from '../../store/context';
import { parseNodeList } from './parse-node-list';

export function AttachForm() {
  const save = useApp((s) => s.saveAttachProfile);
  const busy = useApp((s) => s.profiles.busy === 'save');
  const [name, setName] = useState('');
  const [nodes, setNodes] = useState('');
  const [secret, setSecret] = useState('');
  const [token, setToken] = useState('');
  const [ca, setCa] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseNodeList(nodes);
    if (name.trim() === '') return setProblem('Give the cluster a name');
    if (!parsed.ok) return setProblem(parsed.message);
    setProblem(null);
    const saved = await save(name.trim(), {
      nodes: parsed.nodes,
      ...(secret !== '' && { secret }),
      ...(token !== '' && { token }),
      ...(ca.trim() !== '' && { ca }),
    });
    if (saved) {
      for (const clear of [setName, setNodes, setSecret, setToken, setCa]) clear('');
    }
  };

  return (
    <form className="stack" aria-label="Attach to a cluster" onSubmit={(e) => void submit(e)}>
      <div className="row">
        <label htmlFor="attach-name">Name</label>
        <input id="attach-name" className="input" value={name} onChange={(e) => setName(e.currentTarget.value)} />
        <label htmlFor="attach-secret" title="The nodes' cluster secret; needed only to inject partitions.">
          Cluster secret (optional)
        </label>
        <input id="attach-secret" className="input" type="password" autoComplete="off" value={secret} onChange={(e) => setSecret(e.currentTarget.value)} />
        <label htmlFor="attach-token" title="The nodes' client API token (DFS_API_TOKEN), when they require one.">
          Client token (optional)
        </label>
        <input id="attach-token" className="input" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.currentTarget.value)} />
      </div>
      <label htmlFor="attach-nodes">Nodes, one per line: id and URL</label>
      <textarea
        id="attach-nodes"
        className="input mono"
        rows={3}
        placeholder={'1 http://10.0.0.5:8081\n2 http://10.0.0.6:8081\n3 http://10.0.0.7:8081'}
        value={nodes}
        aria-invalid={problem !== null}
        aria-describedby={problem === null ? undefined : 'attach-problem'}
        onChange={(e) => setNodes(e.currentTarget.value)}
      />
      <label htmlFor="attach-ca">CA certificate for https:// nodes (optional, PEM)</label>
      <textarea
        id="attach-ca"
        className="input mono"
        rows={2}
        placeholder="-----BEGIN CERTIFICATE-----"
        value={ca}
        onChange={(e) => setCa(e.currentTarget.value)}
      />
      {problem !== null && (
        <p id="attach-problem" role="alert" className="error-text">
          {problem}
        </p>
      )}
      <div className="row">
        <button type="submit" className="btn" disabled={busy}>
          Save cluster
        </button>
      </div>
    </form>
  );
}
