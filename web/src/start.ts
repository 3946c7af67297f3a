import { provideGlobalConfig } from 'element-plus';
import zhCn from 'element-plus/es/locale/lang/zh-cn';
import './base.css';
import { type Component, createApp } from 'vue';

/**
 * Starts a page: its root component, with Element Plus speaking Chinese (dates, tables,
 * empty lists). Each component brings its own Element Plus parts and their styles
 * (vite.config.ts), so nothing here loads the whole library.
 */
export function start(root: Component): void {
  const app = createApp(root);
  provideGlobalConfig({ locale: zhCn }, app, true);
  app.mount('#app');
}
