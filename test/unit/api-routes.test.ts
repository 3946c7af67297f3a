import { describe, expect, it } from 'vitest';
import { matchApiRoute } from '#infra/local/api-server';
import { API_ROUTES } from '#infra/topology';

describe('API route matching', () => {
  it('finds the route key and path parameters from the topology', () => {
    expect(matchApiRoute(API_ROUTES, 'GET', '/devices/bin-gs-001')).toMatchObject({
      routeKey: 'GET /devices/{thing}',
      pathParameters: { thing: 'bin-gs-001' },
    });
    expect(matchApiRoute(API_ROUTES, 'GET', '/devices')).toMatchObject({
      routeKey: 'GET /devices',
      pathParameters: {},
    });
    expect(matchApiRoute(API_ROUTES, 'POST', '/devices')).toEqual({ methodMismatch: true });
    expect(matchApiRoute(API_ROUTES, 'GET', '/nothing')).toEqual({ methodMismatch: false });
  });

  it('gives a greedy {name+} the rest of the path, one part or more, as API Gateway does', () => {
    expect(matchApiRoute(API_ROUTES, 'GET', '/app/assets/index-abc.js')).toMatchObject({
      routeKey: 'GET /app/{proxy+}',
      pathParameters: { proxy: 'assets/index-abc.js' },
    });
    expect(matchApiRoute(API_ROUTES, 'GET', '/app/field.html')).toMatchObject({
      routeKey: 'GET /app/{proxy+}',
      pathParameters: { proxy: 'field.html' },
    });
    expect(matchApiRoute(API_ROUTES, 'GET', '/app')).toMatchObject({ routeKey: 'GET /app', pathParameters: {} });
    expect(matchApiRoute(API_ROUTES, 'GET', '/app/')).toMatchObject({ routeKey: 'GET /app' });
    expect(matchApiRoute(API_ROUTES, 'GET', '/app/%E0%A4%A')).toEqual({ methodMismatch: false });
    expect(matchApiRoute(API_ROUTES, 'POST', '/app/index.html')).toEqual({ methodMismatch: true });
  });
});
