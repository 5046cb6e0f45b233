// The nodes of a cluster to attach to, typed one per line as "<id> <url>".

export type NodeListResult =
  | { readonly ok: true; readonly nodes: { readonly id: number; readonly httpUrl: string }[] }
  | { readonly ok: false; readonly message: string };

export function parseNodeList(text: string): NodeListResult {
  const nodes: { id: number; httpUrl: string }[] = [];
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  for (const [i, line] of lines.entries()) {
    const match = /^(\d+)\s+(https?:\/\/\S+)$/.exec(line);
    const id = Number(match?.[1]);
    if (match?.[2] === undefined || !Number.isInteger(id) || id < 1) {
      return { ok: false, message: `Line ${i + 1}: write a node id and its URL, e.g. "1 http://10.0.0.5:8081"` };
    }
    if (nodes.some((n) => n.id === id)) return { ok: false, message: `Line ${i + 1}: node ${id} is listed twice` };
    nodes.push({ id, httpUrl: match[2] });
  }
  if (nodes.length === 0) return { ok: false, message: 'List at least one node' };
  return { ok: true, nodes };
}
