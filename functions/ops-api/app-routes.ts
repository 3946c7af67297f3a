import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { HttpError, json, type RouteHandler } from './http-router.ts';
import type { AppConfig, OperatorSignIn } from '#shared/app/page-config';

/**
 * The pages people work in (`web/`, built by Vite): the workbench (`/app/index.html`), the
 * district's map (`/app/ops.html`, where `GET /` leads), the field app (`/app/field.html`)
 * and the command screen (`/app/screen.html`), their assets,
 * and `/app/config.json`, which tells them how people sign in: with a password at
 * `POST /auth/token` (the local stack), or through the operators' user pool's hosted
 * sign-in (AWS). Static files, no data: what the pages show comes from routes that need
 * a person's token. The files are the function's own (bundled beside it in AWS; the
 * built folder locally).
 */
export interface AppRouteDeps {
  /** The built pages; none: the pages are not built here (404). */
  appDir?: string;
  operatorSignIn?: OperatorSignIn;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
};

export const appRoutes = (deps: AppRouteDeps): Record<string, RouteHandler> => ({
  'GET /app': async () => ({ statusCode: 302, headers: { location: '/app/index.html' }, body: '' }),
  'GET /app/{proxy+}': async (event) => {
    const name = event.pathParameters?.proxy ?? '';
    if (name === 'config.json') {
      const config: AppConfig = {
        signIn: deps.operatorSignIn ? { kind: 'hosted', ...deps.operatorSignIn } : { kind: 'password' },
      };
      return json(200, config);
    }
    if (!deps.appDir) throw new HttpError(404, 'not_found', 'the pages are not built here (npm start builds them)');
    const root = resolve(deps.appDir);
    const file = resolve(root, name);
    const type = TYPES[extname(file)];
    if (!file.startsWith(root + sep) || !type) throw new HttpError(404, 'not_found', `no page file "${name}"`);
    const body = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'EISDIR')
        throw new HttpError(404, 'not_found', `no page file "${name}"`);
      throw error;
    });
    return {
      statusCode: 200,
      headers: {
        'content-type': type,
        // The pages are read fresh; the assets Vite names by their hash, kept.
        'cache-control': extname(file) === '.html' ? 'no-store' : 'public, max-age=31536000, immutable',
      },
      body: body.toString('base64'),
      isBase64Encoded: true,
    };
  },
});
