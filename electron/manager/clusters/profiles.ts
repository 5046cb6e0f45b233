// Saved clusters the dashboard can switch between: the built-in `local` cluster and attach
// profiles (headless nodes elsewhere), in `profiles.json`. An attach profile's cluster secret,
// when given, lives in its own 0600 file and is never sent back to the dashboard.
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
}

export class ProfileStore {
  constructor(private readonly dataDir: string) {}

  private get file(): string {
    return path.join(this.dataDir, 'profiles.json');
  }

  private secretFile(name: string): string {
    return path.join(this.dataDir, 'profiles', `${name}.secret`);
  }

  async list(): Promise<ProfileList> {
    const saved = await this.read();
    const profiles: ClusterProfile[] = [{ name: LOCAL_PROFILE, kind: 'local', nodes: [], hasSecret: true }];
    for (const p of saved.profiles) {
      profiles.push({ name: p.name, kind: 'attach', nodes: p.nodes, hasSecret: (await readTextIfExists(this.secretFile(p.name))) !== null });
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
    return { name, nodes: saved.nodes, secret };
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
    if (parsed.data.secret !== undefined) {
      await writeFileAtomic(this.secretFile(name), `${parsed.data.secret}\n`, 0o600);
    } else if (before !== undefined && !sameNodes(before.nodes, parsed.data.nodes)) {
      // A secret belongs to the nodes it was entered for: re-pointing a profile at other URLs
      // without entering it again must not send it there (issue #15).
      await rm(this.secretFile(name), { force: true });
    }
    await this.write({ ...saved, profiles });
  }

  async remove(name: string): Promise<void> {
    const saved = await this.read();
    if (name === LOCAL_PROFILE) throw new ApiError('bad_request', `the ${LOCAL_PROFILE} profile is built in`);
    if (saved.active === name) throw new ApiError('conflict', `profile "${name}" is in use; switch to another one first`);
    if (!saved.profiles.some((p) => p.name === name)) throw new ApiError('not_found', `no profile "${name}"`);
    await this.write({ ...saved, profiles: saved.profiles.filter((p) => p.name !== name) });
    await rm(this.secretFile(name), { force: true });
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
