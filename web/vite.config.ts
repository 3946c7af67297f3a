import vue from '@vitejs/plugin-vue';
import Components from 'unplugin-vue-components/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';
import { defineConfig } from 'vite';

/**
 * The pages people work in, Vue 3 and Element Plus, built offline into static files
 * (`web/dist`) that the local ops API serves at `/app/`: the workbench (工作台,
 * index.html), the district map (辖区地图, ops.html, where `GET /` leads), the field app
 * for phones (移动巡查, field.html) and the command screen (指挥大屏, screen.html). Relative asset paths, so they run under any prefix. Element
 * Plus's components (and their styles) are imported where a page uses them, by
 * unplugin-vue-components' resolver, not the whole library: a phone loads what the field
 * app shows.
 */
const page = (name: string) => new URL(name, import.meta.url).pathname;

export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  base: './',
  plugins: [vue(), Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: false })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      input: {
        index: page('index.html'),
        ops: page('ops.html'),
        field: page('field.html'),
        screen: page('screen.html'),
      },
    },
  },
  logLevel: 'warn',
});
