import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

/**
 * The workbench (工作台): a Vue 3 and Element Plus single-page app, built offline into
 * static files (`web/dist`) that the local ops API serves at `/app/`. Relative asset
 * paths, so it runs under any prefix.
 */
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  base: './',
  plugins: [vue()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  logLevel: 'warn',
});
