// Saved clusters the dashboard can switch between: the built-in `local` cluster and attach
// profiles (headless nodes elsewhere), in `profiles.json`. An attach profile's cluster secret and
// client token, when given, live in their own 0600 files and are never sent back to the
// dashboard; its CA certificate (for nodes serving HTTPS) in a file beside them.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ApiError } from '../../../node-runtime/common/errors';
import type { ClusterProfile, ProfileList } from '../../../node-runtime/common/manager-api';
import { readTextIfExists, writeFileAtomic } from '../files';

export const LOCAL_PROFILE = 'local';

const profileNameSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'use 1-64 letters, digits, dots, dashes or underscores');

const attachedNodeSchema = z.object({
  id: z.number().int().min(1),
  httpUrl: z.url({ protocol: /^https?$/ }),
});

export const saveProfileRequestSchema = z.object({
  nodes: z.array(attachedNodeSchema).min(1).refine((nodes) => new Set(nodes.map((n) => n.id)).size === nodes.length, 'node ids must be unique'),
  secret: z.string().min(1).optional(),
  /** The nodes' client API token (DFS_API_TOKEN / --api-token-file). */
  token: z.string().regex(/^\S+$/, 'a token has no whitespace').optional(),
  /** PEM of the CA that signed the nodes' certificates (their --tls-ca). */
  ca: z.string().regex(/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/, 'a PEM certificate (-----BEGIN CERTIFICATE----- …)').optional(),
});

const profilesFileSchema = z.object({
  active: z.string(),
  profiles: z.array(z.object({ name: profileNameSchema, nodes: z.array(attachedNodeSchema) })),
});

type ProfilesFile = z.infer<typeof profilesFileSchema>;

function sameNodes(a: readonly { id: number; httpUrl: string }[], b: readonly { id: number; httpUrl: string }[]): boolean {
  const key = (nodes: readonly { id: number; httpUrl: string }[]) => nodes.map((n) => `${n.id} ${new URL(n.httpUrl).href}`).sort().join('\n');
  return key(a) === key(b);
}

export interface AttachProfile {
  readonly name: string;
  readonly nodes: readonly { readonly id: number; readonly httpUrl: string }[];
  readonly secret: string | null;
  readonly token: string | null;
  readonly ca: string | null;
}

export class ProfileStore {
  constructor(private readonly dataDir: string) {}

  private get file(): string {
    return path.join(this.dataDir, 'profiles.json');
  }

  private secretFile(name: string): string {
    return path.join(this.dataDir, 'profiles', `${name}.secret`);
  }

  private tokenFile(name: string): string {
    return path.join(this.dataDir, 'profiles', `${name}.token`);
  }

  private caFile(name: string): string {
    return path.join(this.dataDir, 'profiles', `${name}.ca.pem`);
  }

  async list(): Promise<ProfileList> {
    const saved = await this.read();
    const profiles: ClusterProfile[] = [{ name: LOCAL_PROFILE, kind: 'local', nodes: [], hasSecret: true }];
    for (const p of saved.profiles) {
      const saved = async (file: string): Promise<boolean> => (await readTextIfExists(file)) !== null;
      profiles.push({
        name: p.name,
        kind: 'attach',
        nodes: p.nodes,
        hasSecret: await saved(this.secretFile(p.name)),
        hasToken: await saved(this.tokenFile(p.name)),
        hasCa: await saved(this.caFile(p.name)),
      });
    }
    return { active: saved.active, profiles };
  }

  async active(): Promise<string> {
    return (await this.read()).active;
  }

  async setActive(name: string): Promise<void> {
    const saved = await this.read();
    if (name !== LOCAL_PROFILE && !saved.profiles.some((p) => p.name === name)) throw new ApiError('not_found', `no profile "${name}"`);
    await this.write({ ...saved, active: name });
  }

  async attachProfile(name: string): Promise<AttachProfile> {
    const saved = (await this.read()).profiles.find((p) => p.name === name);
    if (!saved) throw new ApiError('not_found', `no attach profile "${name}"`);
    const secret = (await readTextIfExists(this.secretFile(name)))?.trim() ?? null;
    const token = (await readTextIfExists(this.tokenFile(name)))?.trim() ?? null;
    const ca = await readTextIfExists(this.caFile(name));
    return { name, nodes: saved.nodes, secret, token, ca };
  }

  async save(name: string, body: unknown): Promise<void> {
    const parsedName = profileNameSchema.safeParse(name);
    if (!parsedName.success || name === LOCAL_PROFILE) {
      throw new ApiError('bad_request', `profile name "${name}" is not allowed (${LOCAL_PROFILE} is built in; ${parsedName.error?.issues[0]?.message ?? 'reserved'})`);
    }
    const parsed = saveProfileRequestSchema.safeParse(body);
    if (!parsed.success) throw new ApiError('bad_request', `invalid profile: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const saved = await this.read();
    const before = saved.profiles.find((p) => p.name === name);
    const profiles = saved.profiles.filter((p) => p.name !== name);
    profiles.push({ name, nodes: parsed.data.nodes });
    // A secret or token belongs to the nodes it was entered for: re-pointing a profile at other
    // URLs without entering it again must not send it there (issue #15).
    const repointed = before !== undefined && !sameNodes(before.nodes, parsed.data.nodes);
    for (const [value, file] of [[parsed.data.secret, this.secretFile(name)], [parsed.data.token, this.tokenFile(name)]] as const) {
      if (value !== undefined) await writeFileAtomic(file, `${value}\n`, 0o600);
      else if (repointed) await rm(file, { force: true });
    }
    if (parsed.data.ca !== undefined) await writeFileAtomic(this.caFile(name), parsed.data.ca);
    await this.write({ ...saved, profiles });
  }

  async remove(name: string): Promise<void> {
    const saved = await this.read();
    if (name === LOCAL_PROFILE) throw new ApiError('bad_request', `the ${LOCAL_PROFILE} profile is built in`);
    if (saved.active === name) throw new ApiError('conflict', `profile "${name}" is in use; switch to another one first`);
    if (!saved.profiles.some((p) => p.name === name)) throw new ApiError('not_found', `no profile "${name}"`);
    await this.write({ ...saved, profiles: saved.profiles.filter((p) => p.name !== name) });
    for (const file of [this.secretFile(name), this.tokenFile(name), this.caFile(name)]) await rm(file, { force: true });
  }

  private async read(): Promise<ProfilesFile> {
    const text = await readTextIfExists(this.file);
    if (text === null) return { active: LOCAL_PROFILE, profiles: [] };
    const parsed = profilesFileSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`${this.file} is not a valid profiles file: ${parsed.error.message}`);
    return parsed.data;
  }

  private async write(file: ProfilesFile): Promise<void> {
    await writeFileAtomic(this.file, `${JSON.stringify(file, null, 2)}\n`);
  }
}
