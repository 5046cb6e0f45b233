import './zod-jitless';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { sessionStorageOrNull, takeToken } from './api/token';
import { App } from './App';
import { syncPlaceWithUrl } from './shell/url-state';
import { browserDeps } from './store/browser-deps';
import { StoreProvider } from './store/context';
import { createAppStore } from './store/create-store';
import './styles/theme.css';
import './styles/app.css';

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');

const token = takeToken({ location: window.location, history: window.history, storage: sessionStorageOrNull() });
const store = createAppStore(browserDeps(token));
store.getState().connect();
syncPlaceWithUrl(store, window);

createRoot(container).render(
  <StrictMode>
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  </StrictMode>,
);
