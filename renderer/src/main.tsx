/** Renderer entry: connect the stores to the API, then render the app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { connectStores, ui } from './state.js';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
connectStores().catch((e: Error) => ui.getState().notify('error', `cannot reach the engine: ${e.message}`));
