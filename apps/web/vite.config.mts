import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Run from the repository root as `vite build apps/web` (root = this folder, output in dist/).
// `npm run dev:web` serves it with hot reload and proxies the API (and Socket.IO) of `npm start`.
const api = process.env.PARLEY_API ?? 'http://127.0.0.1:3000';

const lib = (name: string) => fileURLToPath(new URL(`../../libs/${name}/src`, import.meta.url));

export default defineConfig({
  // The typed SDK and the wire contract, as the server imports them (tsconfig.json's paths).
  resolve: { alias: { '@app/client': lib('client'), '@app/contracts': lib('contracts') } },
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
