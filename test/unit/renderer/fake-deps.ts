// Stand-ins for the store's transports: a scripted API, an event stream the test drives, and
// uploads the test finishes by hand.
import { vi } from 'vitest';
import type { DesktopBridge, MenuCommand } from '../../../node-runtime/common/desktop-bridge';
import type { EventStreamHandlers, ManagerEvent } from '../../../renderer/src/api/event-stream';
import type { WatchedFolder } from '../../../node-runtime/common/manager-api';
import type { ApiClient, RequestOptions } from '../../../renderer/src/api/http';
import { RequestError } from '../../../renderer/src/api/request-error';
import type { UploadOutcome, UploadRequest } from '../../../renderer/src/api/upload';
import { createAppStore } from '../../../renderer/src/store/create-store';
import type { AppStore } from '../../../renderer/src/store/state';

export interface ApiCall {
  readonly method: string;
  readonly path: string;
  readonly options: RequestOptions | undefined;
}

type Route = (call: ApiCall) => unknown;

export class FakeApi implements ApiClient {
  readonly calls: ApiCall[] = [];
  private readonly routes: { method: string; match: RegExp; answer: Route }[] = [];

  /** Later routes win; an answer that throws rejects the request. */
  on(method: string, match: RegExp, answer: Route): this {
    this.routes.unshift({ method, match, answer });
    return this;
  }

  async request<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
    const call = { method, path, options };
    this.calls.push(call);
    const route = this.routes.find((r) => r.method === method && r.match.test(path));
    if (route === undefined) return undefined as T;
    return route.answer(call) as T;
  }

  /** Answered by a GET route whose answer is the text. */
  async requestText(path: string, options?: RequestOptions): Promise<string> {
    return String(await this.request<unknown>('GET', path, options));
  }

  linkUrl(path: string): string {
    return path;
  }

  authHeaders(): Record<string, string> {
    return {};
  }

  called(method: string, path: string): boolean {
    return this.calls.some((c) => c.method === method && c.path === path);
  }
}

export function failWith(code: string, detail: string, status = 400): never {
  throw new RequestError(code, detail, status);
}

export class FakeEvents {
  opened = 0;
  closed = 0;
  handlers: EventStreamHandlers | null = null;

  readonly open = (handlers: EventStreamHandlers) => {
    this.opened += 1;
    this.handlers = handlers;
    return { close: () => (this.closed += 1) };
  };

  emit(event: ManagerEvent): void {
    this.handlers?.onEvent(event);
  }

  fail(): void {
    this.handlers?.onError();
  }
}

export interface FakeUpload {
  readonly request: UploadRequest;
  finish(outcome: UploadOutcome): Promise<void>;
  readonly aborted: boolean;
}

export class FakeUploads {
  readonly started: FakeUpload[] = [];

  readonly start = (request: UploadRequest) => {
    let resolve: (o: UploadOutcome) => void = () => undefined;
    const outcome = new Promise<UploadOutcome>((r) => (resolve = r));
    const upload = {
      request,
      aborted: false,
      async finish(o: UploadOutcome) {
        resolve(o);
        await outcome;
        await Promise.resolve();
      },
    };
    this.started.push(upload);
    return {
      outcome,
      abort: () => {
        upload.aborted = true;
        resolve({ kind: 'cancelled' });
      },
    };
  };
}

export interface TestHarness {
  readonly store: AppStore;
  readonly api: FakeApi;
  readonly events: FakeEvents;
  readonly uploads: FakeUploads;
  readonly clock: { now: number };
}

export function harness(options: { desktop?: DesktopBridge } = {}): TestHarness {
  const api = new FakeApi();
  const events = new FakeEvents();
  const uploads = new FakeUploads();
  const clock = { now: Date.UTC(2026, 10, 26, 14, 0, 0) };
  const desktop = options.desktop ?? null;
  const store = createAppStore({ api, openEvents: events.open, startUpload: uploads.start, now: () => clock.now, desktop });
  return { store, api, events, uploads, clock };
}

/** Lets pending promise callbacks (store requests answered by FakeApi) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await Promise.resolve();
  await vi.dynamicImportSettled();
}

/** The commands a test's UI sent (everything but reads), as "METHOD path". */
export function commandsSent(h: TestHarness): string[] {
  return h.api.calls.filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.path}`);
}

/** The desktop app's preload bridge, recording what the page asked of it. */
export class FakeDesktop implements DesktopBridge {
  readonly platform = 'linux';
  readonly revealed: string[] = [];
  dataFolderOpened = 0;
  chosen: WatchedFolder | null = null;
  private menuListener: ((command: MenuCommand) => void) | null = null;

  /** What the backup folder picker answers (null: the user cancelled). */
  chosenBackupFolder: string | null = null;

  async chooseFolderToWatch(): Promise<WatchedFolder | null> {
    return this.chosen;
  }

  async chooseBackupFolder(): Promise<string | null> {
    return this.chosenBackupFolder;
  }

  async revealInFolder(folderId: string): Promise<void> {
    this.revealed.push(folderId);
  }

  async openDataFolder(): Promise<void> {
    this.dataFolderOpened += 1;
  }

  onMenuCommand(listener: (command: MenuCommand) => void): () => void {
    this.menuListener = listener;
    return () => (this.menuListener = null);
  }

  menu(command: MenuCommand): void {
    this.menuListener?.(command);
  }
}
