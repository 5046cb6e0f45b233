// A failed download of Electron, remembered for a while: a machine without network (or behind a
// proxy that drops packets until the timeout) should not pay for the attempt on every start.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface RememberedFailure {
  readonly at: number;
  readonly reason: string;
}

export interface InstallMemory {
  /** The last failure for this Electron version if it is younger than the retry interval. */
  failedRecently(): RememberedFailure | null;
  remember(reason: string): void;
  forget(): void;
}

interface Stored {
  readonly electronVersion: string;
  readonly failedAt: string;
  readonly reason: string;
}

/** Keeps the failure in `<dir>/electron-download.json`; another Electron version starts afresh. */
export function fileInstallMemory(dir: string, electronVersion: string, retryAfterMs: number, now: () => number = Date.now): InstallMemory {
  const file = path.join(dir, 'electron-download.json');
  return {
    failedRecently() {
      let stored: Stored;
      try {
        stored = JSON.parse(readFileSync(file, 'utf8')) as Stored;
      } catch {
        return null;
      }
      const at = Date.parse(stored.failedAt);
      if (stored.electronVersion !== electronVersion || !Number.isFinite(at) || now() - at >= retryAfterMs) return null;
      return { at, reason: stored.reason };
    },
    remember(reason) {
      mkdirSync(dir, { recursive: true });
      const stored: Stored = { electronVersion, failedAt: new Date(now()).toISOString(), reason };
      writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`);
    },
    forget() {
      rmSync(file, { force: true });
    },
  };
}
