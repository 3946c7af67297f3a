import { provideGlobalConfig } from 'element-plus';
import en from 'element-plus/es/locale/lang/en';
import zhCn from 'element-plus/es/locale/lang/zh-cn';
import './base.css';
import { type Component, createApp } from 'vue';
import type { Locale } from '../../shared/domain/locales.ts';

/**
 * Starts a page: its root component, with Element Plus speaking the page's language
 * (Chinese first: dates, tables, empty lists). Each component brings its own Element Plus
 * parts and their styles (vite.config.ts), so nothing here loads the whole library.
 */
export function start(root: Component, locale: Locale = 'zh-CN'): void {
  const app = createApp(root);
  provideGlobalConfig({ locale: locale === 'en' ? en : zhCn }, app, true);
  app.mount('#app');
}
