import { fileURLToPath } from 'node:url';
import { build } from 'vite';

/** The workbench's Vite configuration (`web/vite.config.ts`). */
export const WEB_CONFIG = fileURLToPath(new URL('../../web/vite.config.ts', import.meta.url));
/** Where `npm start` builds the workbench. */
export const WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

/**
 * Builds the workbench (Vue 3, Element Plus: `web/`) into static files, offline, with
 * Vite; the local ops API serves them at `/app/`. Returns the folder.
 */
export async function buildWorkbench(outDir = WEB_DIST): Promise<string> {
  await build({ configFile: WEB_CONFIG, build: { outDir, emptyOutDir: true }, logLevel: 'warn' });
  return outDir;
}
