// The "Connect a tool" snippets: working command lines for rclone, the AWS CLI and s3cmd against
// one node's S3 endpoint (issue #17). Pure, so the exact text the dashboard shows is what
// test/api/s3-clients.test.ts runs.
import type { S3Access } from '../../../../node-runtime/common/manager-api';

export interface ToolSnippet {
  readonly tool: 'rclone' | 'aws' | 's3cmd';
  readonly title: string;
  readonly text: string;
}

/** Single-quoted for a POSIX shell: safe whatever the key holds. */
function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function toolSnippets(endpoint: string, access: S3Access): ToolSnippet[] {
  const host = new URL(endpoint).host;
  const key = quote(access.accessKey);
  const secret = quote(access.secretKey);
  return [
    {
      tool: 'rclone',
      title: 'rclone: a remote named "dfs"',
      text: [
        `rclone config create dfs s3 provider=Other access_key_id=${key} secret_access_key=${secret} endpoint=${endpoint} force_path_style=true`,
        'rclone mkdir dfs:photos',
        'rclone copy ~/Pictures dfs:photos',
      ].join('\n'),
    },
    {
      tool: 'aws',
      title: 'AWS CLI',
      text: [
        `export AWS_ACCESS_KEY_ID=${key} AWS_SECRET_ACCESS_KEY=${secret} AWS_DEFAULT_REGION=us-east-1`,
        `aws --endpoint-url ${endpoint} s3 mb s3://my-backups`,
        `aws --endpoint-url ${endpoint} s3 ls`,
      ].join('\n'),
    },
    {
      tool: 's3cmd',
      title: 's3cmd',
      text: `s3cmd --access_key=${key} --secret_key=${secret} --host=${host} --host-bucket=${host} --no-ssl --region=us-east-1 ls`,
    },
  ];
}
