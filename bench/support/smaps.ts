// Where a process's resident memory is (Linux /proc/<pid>/smaps), by kind of mapping, so a bench
// can say what an RSS number is made of: the node binary's pages, glibc's main heap ([heap]), its
// per-thread arenas (anonymous 64 MiB reservations), other anonymous memory (V8's heap pages,
// large buffers, thread stacks), and other files (shared libraries).
import { readFile } from 'node:fs/promises';

export interface RssBreakdownMiB {
  nodeBinary: number;
  mallocMainHeap: number;
  mallocThreadArenas: number;
  otherAnonymous: number;
  files: number;
}

/** glibc reserves each thread arena as one aligned 64 MiB region: a readable part and a PROT_NONE rest. */
const ARENA_KIB = 64 * 1024;

interface Mapping {
  start: number;
  end: number;
  perms: string;
  path: string;
  rssKiB: number;
}

function parseSmaps(text: string): Mapping[] {
  const mappings: Mapping[] = [];
  for (const line of text.split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      mappings.push({ start: parseInt(header[1] as string, 16), end: parseInt(header[2] as string, 16), perms: header[3] as string, path: header[4] ?? '', rssKiB: 0 });
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    const last = mappings[mappings.length - 1];
    if (rss && last) last.rssKiB = Number(rss[1]);
  }
  return mappings;
}

/** The breakdown of `pid`'s RSS in MiB, or null where /proc is not there. */
export async function rssBreakdownMiB(pid: number | undefined): Promise<RssBreakdownMiB | null> {
  if (pid === undefined) return null;
  const text = await readFile(`/proc/${pid}/smaps`, 'utf8').catch(() => null);
  if (text === null) return null;
  const maps = parseSmaps(text);
  const kib = { nodeBinary: 0, mallocMainHeap: 0, mallocThreadArenas: 0, otherAnonymous: 0, files: 0 };
  for (let i = 0; i < maps.length; i++) {
    const m = maps[i] as Mapping;
    if (m.path === '[heap]') kib.mallocMainHeap += m.rssKiB;
    else if (m.path.endsWith('/node') || m.path.endsWith('/nodejs')) kib.nodeBinary += m.rssKiB;
    else if (m.path.startsWith('/')) kib.files += m.rssKiB;
    else if (m.path === '' || m.path.startsWith('[')) {
      const next = maps[i + 1];
      const isArena = m.perms.startsWith('rw') && next !== undefined && next.path === '' && next.perms.startsWith('---') && next.start === m.end && (next.end - m.start) / 1024 === ARENA_KIB;
      const isWholeArena = m.perms.startsWith('rw') && (m.end - m.start) / 1024 === ARENA_KIB && m.start % (ARENA_KIB * 1024) === 0;
      if (isArena || isWholeArena) kib.mallocThreadArenas += m.rssKiB;
      else kib.otherAnonymous += m.rssKiB;
    }
  }
  const mib = (n: number): number => Math.round((n / 1024) * 10) / 10;
  return { nodeBinary: mib(kib.nodeBinary), mallocMainHeap: mib(kib.mallocMainHeap), mallocThreadArenas: mib(kib.mallocThreadArenas), otherAnonymous: mib(kib.otherAnonymous), files: mib(kib.files) };
}
