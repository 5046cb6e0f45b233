// lock acquire|renew|release|list: the cluster's lease locks. acquire prints the token the other
// two need; only the holder ever sees it.
import type { LockGrant, LockInfo } from '../../common/api-types';
import { namePath, type Ctl } from '../context';

const jsonBody = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: () => Buffer.from(JSON.stringify(body)) });

export async function lockAcquire(ctl: Ctl, name: string, owner: string, ttlMs: number | undefined): Promise<void> {
  const grant = await ctl.client.json<LockGrant>({ method: 'POST', path: `/locks/${namePath(name)}`, ...jsonBody({ owner, ttlMs: ttlMs ?? null }) });
  ctl.out.record({ ...grant });
}

export async function lockRenew(ctl: Ctl, name: string, token: string, ttlMs: number | undefined): Promise<void> {
  const lock = await ctl.client.json<LockInfo>({ method: 'PUT', path: `/locks/${namePath(name)}`, ...jsonBody({ token, ttlMs: ttlMs ?? null }) });
  ctl.out.record({ ...lock });
}

export async function lockRelease(ctl: Ctl, name: string, token: string): Promise<void> {
  await ctl.client.json({ method: 'DELETE', path: `/locks/${namePath(name)}`, ...jsonBody({ token }) });
  ctl.out.record({ released: name });
}

export async function lockList(ctl: Ctl): Promise<void> {
  const { locks } = await ctl.client.json<{ locks: LockInfo[] }>({ path: '/locks' });
  ctl.out.table({ locks }, locks, [
    { title: 'name', value: (l) => l.name },
    { title: 'owner', value: (l) => l.owner },
    { title: 'acquired', value: (l) => l.acquiredAt },
    { title: 'expires', value: (l) => l.expiresAt },
  ]);
}
