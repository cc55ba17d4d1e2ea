import { defineConfig } from 'vite';

// Run from the repository root as `vite build apps/web` (root = this folder, output in dist/).
// `npm run dev:web` serves it with hot reload and proxies the API (and Socket.IO) of `npm start`.
const api = process.env.PARLEY_API ?? 'http://127.0.0.1:3000';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
  },
  server: {
    proxy: {
      '/api': api,
      '/me': api,
      '/socket.io': { target: api, ws: true },
    },
  },
});
