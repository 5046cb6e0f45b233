// A start that finds its cluster managed by another live process hands over instead of competing
// for the nodes: one line saying who manages the cluster, and on request the running dashboard,
// whose URL the owner left in the 0600 hand-over file in the data directory.
//
// The line never carries the URL: its token went to the user once, in the first start's terminal,
// and a second start often runs where output is kept (a launcher's log, a shared terminal). The
// same user opens the dashboard with --open instead, which reads the token from a file only they
// can read.
import { ClusterLock, type ClusterBusyError } from './cluster-lock';

export interface Handover {
  /** One line for the user. */
  readonly line: string;
  /** The running dashboard to open, when asked and known. */
  readonly url: string | null;
  /** 0: the cluster runs and has a dashboard; 1: its owner is `npm run cluster`, which has none. */
  readonly exitCode: 0 | 1;
}

export async function planHandover(busy: ClusterBusyError, open: boolean): Promise<Handover> {
  if (busy.owner.holder === 'script') {
    return { line: `DFS Desktop: ${busy.message}, which serves no dashboard; stop it first (Ctrl-C in its terminal).`, url: null, exitCode: 1 };
  }
  if (!open) return { line: `DFS Desktop: ${busy.message}; use that dashboard, or start again with --open to open it.`, url: null, exitCode: 0 };
  const url = await ClusterLock.handoverUrl(busy.dataDir);
  if (url === null) return { line: `DFS Desktop: ${busy.message}; its dashboard is still starting, open it from there.`, url: null, exitCode: 0 };
  return { line: `DFS Desktop: ${busy.message}; opening its dashboard.`, url, exitCode: 0 };
}
