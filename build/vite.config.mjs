// Vite config of the renderer (React UI): root renderer/, relative base so the
// same bundle loads from file:// in Electron and from the browser-mode server.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('../renderer', import.meta.url));

/** The renderer's Vite config (used by build/build.mjs and `npx vite --config build/vite.config.mjs`). */
export default {
  root,
  base: './',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    reportCompressedSize: false,
    sourcemap: false,
  },
};
