// Everything the store needs from the outside world, injected so tests can stand in for it.
import type { DesktopBridge } from '../../../node-runtime/common/desktop-bridge';
import type { ApiClient } from '../api/http';
import type { OpenEventStream } from '../api/event-stream';
import type { StartUpload } from '../api/upload';

export interface StoreDeps {
  readonly api: ApiClient;
  readonly openEvents: OpenEventStream;
  readonly startUpload: StartUpload;
  readonly now: () => number;
  /** The desktop app's native actions; null in a browser. */
  readonly desktop: DesktopBridge | null;
}
