// The ticked files and folders of the Files view, and running one action over them a few at a time.

/** Ticked names: files by name ("docs/a.txt"), folders by path with their slash ("docs/sub/"). */
export type Selection = Readonly<Record<string, true>>;

export const isFolderPath = (name: string): boolean => name.endsWith('/');

/** "2 files and 1 folder", as the selection's actions name it. */
export function describeSelection(names: readonly string[]): string {
  const folders = names.filter(isFolderPath).length;
  const files = names.length - folders;
  const parts = [
    ...(files > 0 ? [`${files} ${files === 1 ? 'file' : 'files'}`] : []),
    ...(folders > 0 ? [`${folders} ${folders === 1 ? 'folder' : 'folders'}`] : []),
  ];
  return parts.join(' and ');
}

export function withTicks(selected: Selection, names: readonly string[], ticked: boolean): Selection {
  const next: Record<string, true> = { ...selected };
  for (const name of names) {
    if (ticked) next[name] = true;
    else delete next[name];
  }
  return next;
}

/** The ticked names still listed after a reload (a file deleted elsewhere drops out). */
export function keepListed(selected: Selection, items: readonly { name: string }[], folders: readonly string[]): Selection {
  if (Object.keys(selected).length === 0) return selected;
  const listed = new Set([...items.map((i) => i.name), ...folders]);
  return Object.fromEntries(Object.keys(selected).filter((n) => listed.has(n)).map((n) => [n, true as const]));
}

/** Runs `run` on every name, at most `concurrency` at once; resolves with those that failed. */
export async function forEachBounded(names: readonly string[], concurrency: number, run: (name: string) => Promise<void>): Promise<{ name: string; error: unknown }[]> {
  const queue = [...names];
  const failures: { name: string; error: unknown }[] = [];
  const worker = async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      await run(name).catch((error: unknown) => failures.push({ name, error }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, worker));
  return failures;
}
