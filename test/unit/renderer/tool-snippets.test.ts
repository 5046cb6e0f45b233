// The "Connect a tool" snippets name the endpoint and quote the keys for a shell, whatever they
// hold (test/api/s3-clients.test.ts runs them against a real cluster).
import { describe, expect, it } from 'vitest';
import { toolSnippets } from '../../../renderer/src/views/overview/tool-snippets';

describe('toolSnippets', () => {
  it('gives rclone, AWS CLI and s3cmd commands for the endpoint', () => {
    const snippets = toolSnippets('http://127.0.0.1:9001', { accessKey: 'dfskey', secretKey: 'secret' });
    expect(snippets.map((s) => s.tool)).toEqual(['rclone', 'aws', 's3cmd']);
    expect(snippets[0]?.text).toContain("rclone config create dfs s3 provider=Other access_key_id='dfskey' secret_access_key='secret' endpoint=http://127.0.0.1:9001 force_path_style=true");
    expect(snippets[1]?.text).toContain('aws --endpoint-url http://127.0.0.1:9001 s3 ls');
    expect(snippets[2]?.text).toContain('--host=127.0.0.1:9001 --host-bucket=127.0.0.1:9001 --no-ssl');
  });

  it("quotes a key with a quote or spaces so the shell passes it whole", () => {
    const [rclone] = toolSnippets('http://127.0.0.1:9000', { accessKey: "it's", secretKey: 'a b$c' });
    expect(rclone?.text).toContain(`access_key_id='it'\\''s' secret_access_key='a b$c'`);
  });
});
