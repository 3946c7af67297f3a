import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { appRoutes } from '#functions/ops-api/app-routes';
import { mapRoutes } from '#functions/ops-api/map-routes';
import { httpApi, json } from '#functions/ops-api/http-router';
import { STAFF_ROUTE_KEYS, withStaffAddresses } from '#functions/ops-api/staff-routes';
import { API_ROUTES } from '#infra/topology';

const dir = mkdtempSync(join(tmpdir(), 'cityops-app-'));
mkdirSync(join(dir, 'assets'));
writeFileSync(join(dir, 'index.html'), '<!doctype html><title>工作台</title>');
writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
writeFileSync(join(dir, 'secret.env'), 'KEY=1');

const get = (routes: ReturnType<typeof appRoutes>, proxy?: string) =>
  httpApi(routes, () => {})({
    routeKey: proxy === undefined ? 'GET /app' : 'GET /app/{proxy+}',
    rawPath: `/app/${proxy ?? ''}`,
    pathParameters: proxy === undefined ? {} : { proxy },
    headers: {},
  } as unknown as APIGatewayProxyEventV2) as Promise<{
    statusCode: number;
    headers: Record<string, string>;
    body: string;
    isBase64Encoded?: boolean;
  }>;

describe('the pages people work in, served by the ops API', () => {
  const routes = appRoutes({ appDir: dir });

  it('serves the built pages (read fresh) and their assets (kept), nothing else', async () => {
    expect(await get(routes)).toMatchObject({ statusCode: 302, headers: { location: '/app/index.html' } });
    const page = await get(routes, 'index.html');
    expect(page).toMatchObject({ statusCode: 200, isBase64Encoded: true });
    expect(page.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    expect(Buffer.from(page.body, 'base64').toString()).toContain('工作台');
    const script = await get(routes, 'assets/index-abc123.js');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    for (const name of ['missing.html', 'secret.env', '../etc/passwd', 'assets', 'assets/../../x.js'])
      expect((await get(routes, name)).statusCode, name).toBe(404);
    expect((await get(appRoutes({}), 'index.html')).statusCode).toBe(404);
  });

  it('tells the pages how people sign in: a password locally, the user pool’s hosted sign-in in AWS', async () => {
    const local = await get(routes, 'config.json');
    expect(JSON.parse(local.body)).toEqual({ signIn: { kind: 'password' } });
    const hosted = appRoutes({ operatorSignIn: { domain: 'https://ops.auth.example', clientId: 'pages' } });
    expect(JSON.parse((await get(hosted, 'config.json')).body)).toEqual({
      signIn: { kind: 'hosted', domain: 'https://ops.auth.example', clientId: 'pages' },
    });
  });
});

describe('the hardening headers on every answer', () => {
  const routes = { ...appRoutes({ appDir: dir }), ...mapRoutes({} as never) };
  const page = (routeKey: string, proxy?: string, signInDomain?: string) =>
    httpApi(routes, () => {}, { signInDomain })({
      routeKey,
      pathParameters: proxy === undefined ? {} : { proxy },
      headers: {},
    } as unknown as APIGatewayProxyEventV2) as Promise<{ headers: Record<string, string>; body: string }>;

  it('gives a page a policy that runs no inline script and cannot be framed, and JSON one that runs nothing', async () => {
    const workbench = (await page('GET /app/{proxy+}', 'index.html')).headers;
    expect(workbench['content-security-policy']).toBe(
      [
        "default-src 'self'",
        "script-src 'self'",
        "script-src-attr 'none'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob: https:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
      ].join(';'),
    );
    expect(workbench).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
    });
    const hosted = (await page('GET /app/{proxy+}', 'index.html', 'https://ops.auth.example')).headers[
      'content-security-policy'
    ];
    expect(hosted).toContain("connect-src 'self' https://ops.auth.example;");
    const config = (await page('GET /app/{proxy+}', 'config.json')).headers;
    expect(config).toMatchObject({
      'content-security-policy': "default-src 'none';frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
  });

  it('leads GET / to the district’s map, a page of the app, with its query', async () => {
    const root = (rawQueryString: string) =>
      httpApi(routes, () => {})({
        routeKey: 'GET /',
        rawPath: '/',
        rawQueryString,
        headers: {},
      } as unknown as APIGatewayProxyEventV2) as Promise<{ statusCode: number; headers: Record<string, string> }>;
    expect(await root('')).toMatchObject({ statusCode: 302, headers: { location: '/app/ops.html' } });
    expect(await root('lang=en')).toMatchObject({ statusCode: 302, headers: { location: '/app/ops.html?lang=en' } });
    expect(API_ROUTES.filter((r) => r.auth === 'public').map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /',
      'GET /app',
      'GET /app/{proxy+}',
    ]);
  });
});

describe('the staff addresses of the routes the pages call', () => {
  it('answer as the route they are another address of, and are in the topology with a person’s token', async () => {
    const routes = withStaffAddresses(
      Object.fromEntries(STAFF_ROUTE_KEYS.map((key) => [key, async () => json(200, { key })])),
    );
    expect(JSON.parse((await routes['GET /staff/cases']!({} as APIGatewayProxyEventV2)).body ?? '')).toEqual({
      key: 'GET /cases',
    });
    expect(JSON.parse((await routes['GET /staff/media/{mediaId}']!({} as APIGatewayProxyEventV2)).body ?? '')).toEqual({
      key: 'GET /media/{mediaId}',
    });
    expect(API_ROUTES.filter((r) => r.path.startsWith('/staff/'))).toEqual([
      { method: 'POST', path: '/staff/tickets/{ticketId}/transitions', function: 'ops-api', auth: 'operator' },
      { method: 'GET', path: '/staff/cases', function: 'ops-api', auth: 'operator' },
      { method: 'GET', path: '/staff/cases/{caseId}', function: 'ops-api', auth: 'operator' },
      { method: 'POST', path: '/staff/cases/reports', function: 'ops-api', auth: 'operator' },
      { method: 'POST', path: '/staff/media', function: 'ops-api', auth: 'operator' },
      { method: 'GET', path: '/staff/media/{mediaId}', function: 'ops-api', auth: 'operator' },
      { method: 'GET', path: '/staff/assessment', function: 'ops-api', auth: 'operator' },
      { method: 'GET', path: '/staff/tickets', function: 'ops-api', auth: 'operator' },
      { method: 'GET', path: '/staff/tickets/{ticketId}', function: 'ops-api', auth: 'operator' },
    ]);
    expect(() => withStaffAddresses({})).toThrow(/no route GET \/cases/);
  });
});
