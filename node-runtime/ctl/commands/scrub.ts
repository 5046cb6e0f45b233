// scrub: each member re-hashes every chunk it holds (repairing corrupt ones from a peer), one
// member after another, with a progress bar per member. Exits 7 when a member is left with a
// corrupt or unrepairable chunk.
import { setTimeout as sleep } from 'node:timers/promises';
import type { RecoveryStatus, ScrubRun, Stats } from '../../common/api-types';
import type { Ctl } from '../context';
import { CtlError, EXIT } from '../exit-codes';
import { progressBar } from '../progress';
import { leaderStatus, membersOf } from './cluster';

const POLL_MS = 250;

async function scrubOne(ctl: Ctl, id: number, url: string): Promise<ScrubRun> {
  const { chunkCount } = await ctl.client.json<Stats>({ path: '/stats', endpoint: url });
  const askedAt = new Date().toISOString();
  await ctl.client.json({ method: 'POST', path: '/scrub', endpoint: url });
  const progress = progressBar(`scrub node ${id}`, 'chunks');
  for (;;) {
    const { scrub } = await ctl.client.json<RecoveryStatus>({ path: '/recovery/status', endpoint: url });
    if (scrub.current) progress.update(scrub.current.checked, chunkCount);
    // A pass that was already running when asked counts too: it ends with every chunk checked.
    const finished = !scrub.running && scrub.lastRun !== null && scrub.lastRun.finishedAt !== null;
    if (finished && (scrub.lastRun!.finishedAt! >= askedAt || scrub.lastRun!.startedAt >= askedAt)) {
      progress.update(scrub.lastRun!.checked, chunkCount);
      progress.finish();
      return scrub.lastRun!;
    }
    await sleep(POLL_MS);
  }
}

export async function scrub(ctl: Ctl): Promise<void> {
  const results: Array<{ node: number } & ScrubRun> = [];
  for (const member of membersOf(await leaderStatus(ctl))) {
    if (member.url === null) throw new CtlError(EXIT.failed, `node ${member.id}: no address known, cannot scrub it`);
    results.push({ node: member.id, ...(await scrubOne(ctl, member.id, member.url)) });
  }
  ctl.out.table({ nodes: results }, results, [
    { title: 'node', value: (r) => r.node },
    { title: 'checked', value: (r) => r.checked },
    { title: 'corrupt', value: (r) => r.corrupt },
    { title: 'repaired', value: (r) => r.repaired },
    { title: 'unrepairable', value: (r) => r.unrepairable },
    { title: 'left corrupt', value: (r) => r.leftCorrupt },
    { title: 'missing', value: (r) => r.missing },
  ]);
  const bad = results.filter((r) => r.unrepairable > 0 || r.leftCorrupt > 0);
  if (bad.length > 0) throw new CtlError(EXIT.integrity, `corrupt chunks left on node ${bad.map((r) => r.node).join(', ')}`);
}
