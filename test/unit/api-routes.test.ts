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
});
