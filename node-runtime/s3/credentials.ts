// Who may use the S3 endpoint: one access key and its secret, from DFS_S3_ACCESS_KEY and
// DFS_S3_SECRET_KEY, or from a JSON file named by DFS_S3_CREDENTIALS_FILE (kept out of the process
// list and of children's environments). Buckets listed in `anonymousRead` (or
// DFS_S3_ANONYMOUS_READ, comma-separated) may be read without a signature; nothing is writable
// anonymously. Credentials that cannot be read stop the start with one line.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

/** A start-up problem the user can fix: the CLI prints its message as one line (by this name). */
export class S3StartupError extends Error {
  override readonly name = 'StartupError';
}

export interface S3Credentials {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly anonymousRead: ReadonlySet<string>;
}

const fileSchema = z.strictObject({
  accessKey: z.string().min(3).max(128),
  secretKey: z.string().min(8).max(256),
  anonymousRead: z.array(z.string()).default([]),
});

export async function loadS3Credentials(env: NodeJS.ProcessEnv): Promise<S3Credentials> {
  const anonymousFromEnv = (env.DFS_S3_ANONYMOUS_READ ?? '').split(',').map((b) => b.trim()).filter((b) => b !== '');
  const file = env.DFS_S3_CREDENTIALS_FILE;
  if (file !== undefined && file !== '') {
    let parsed: z.infer<typeof fileSchema>;
    try {
      parsed = fileSchema.parse(JSON.parse(await readFile(file, 'utf8')));
    } catch (err) {
      const reason = err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new S3StartupError(`cannot use the S3 credentials file ${file} ({"accessKey", "secretKey", "anonymousRead"?: [buckets]}): ${reason}`);
    }
    return { accessKey: parsed.accessKey, secretKey: parsed.secretKey, anonymousRead: new Set([...parsed.anonymousRead, ...anonymousFromEnv]) };
  }
  const accessKey = env.DFS_S3_ACCESS_KEY ?? '';
  const secretKey = env.DFS_S3_SECRET_KEY ?? '';
  if (accessKey.length < 3 || secretKey.length < 8) {
    throw new S3StartupError('--s3 needs credentials: DFS_S3_ACCESS_KEY (3+ characters) and DFS_S3_SECRET_KEY (8+), or DFS_S3_CREDENTIALS_FILE');
  }
  return { accessKey, secretKey, anonymousRead: new Set(anonymousFromEnv) };
}
