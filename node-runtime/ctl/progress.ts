// A progress bar on stderr for long transfers and scrubs, drawn only when stderr is a terminal
// (a script's logs get no carriage returns), redrawn at most ten times a second.

const WIDTH = 30;
const REDRAW_MS = 100;

export interface Progress {
  /** `done` of `total` units (total null when unknown). */
  update(done: number, total: number | null): void;
  finish(): void;
}

const silent: Progress = { update: () => undefined, finish: () => undefined };

export function progressBar(label: string, unit: 'bytes' | 'chunks', stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return silent;
  let lastDraw = 0;
  let last = '';
  const draw = (done: number, total: number | null) => {
    const fraction = total ? Math.min(1, done / total) : 0;
    const filled = Math.round(fraction * WIDTH);
    const bar = total ? `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%` : '';
    last = `\r${label} ${bar} ${amount(done, unit)}${total ? ` / ${amount(total, unit)}` : ''}`;
    stream.write(`${last}\x1b[K`);
  };
  return {
    update(done, total) {
      const now = Date.now();
      if (now - lastDraw < REDRAW_MS && done !== total) return;
      lastDraw = now;
      draw(done, total);
    },
    finish() {
      if (last !== '') stream.write('\n');
    },
  };
}

function amount(n: number, unit: 'bytes' | 'chunks'): string {
  if (unit === 'chunks') return `${n} chunks`;
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${value.toFixed(1)} ${units[i]}`;
}
