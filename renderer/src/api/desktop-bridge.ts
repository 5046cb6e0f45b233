// `window.dfsDesktop`: the desktop app's native actions, or null in a browser.
import type { DesktopBridge } from '../../../node-runtime/common/desktop-bridge';

export function desktopBridge(): DesktopBridge | null {
  return (window as { dfsDesktop?: DesktopBridge }).dfsDesktop ?? null;
}
