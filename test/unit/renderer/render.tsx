// Renders a component tree against a test store.
import { cleanup, render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { afterEach } from 'vitest';
import { StoreProvider } from '../../../renderer/src/store/context';
import type { AppStore } from '../../../renderer/src/store/state';

afterEach(() => cleanup());

export function renderWithStore(ui: ReactElement, store: AppStore) {
  return render(<StoreProvider store={store}>{ui}</StoreProvider>);
}
