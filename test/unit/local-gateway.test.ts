import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '#infra/local/api-server';
import { LocalSignIn } from '#infra/local/sign-in';
import { API_ROUTES } from '#infra/topology';
import { USERS } from '../support/users.ts';

const folder = () => mkdtempSync(join(tmpdir(), 'cityops-gateway-'));
let url = '';
const { signIn } = await LocalSignIn.open(folder(), () => url, []);
// Another user pool's key: a token it signs is well formed but not ours.
const { signIn: elsewhere } = await LocalSignIn.open(folder(), () => url, []);
const invoked: APIGatewayProxyEventV2[] = [];
let server: Awaited<ReturnType<typeof startApiServer>>;

beforeAll(async () => {
  server = await startApiServer({
    host: '127.0.0.1',
    port: 0,
    routes: API_ROUTES,
    handlers: {
      'ops-api': async (event) => {
        invoked.push(event);
        return { statusCode: 200, body: '{}' };
      },
    },
    signIn,
  });
  url = server.url;
});
afterAll(() => server?.stop());

/** What the gateway put in the request context for the function (none on routes without an authorizer). */
type Authorized = { authorizer?: { jwt: { claims: Record<string, string>; scopes: null } } };

const call = async (path: string, authorization?: string) => {
  const before = invoked.length;
  const response = await fetch(`${url}${path}`, { headers: authorization ? { authorization } : {} });
  return {
    status: response.status,
    body: await response.json(),
    challenge: response.headers.get('www-authenticate'),
    event: invoked.length > before ? invoked.at(-1) : undefined,
  };
};

describe('the local gateway checks a person’s token on the routes AWS gives the JWT authorizer', () => {
  it('answers 401 {"message":"Unauthorized"} without invoking the function for no token, a bad one or another issuer’s', async () => {
    const forged = await elsewhere.tokenFor(USERS.leader);
    for (const [path, authorization] of [
      ['/map', undefined],
      ['/map', 'Bearer'],
      ['/map', 'Bearer not-a-token'],
      ['/map', `Bearer ${forged}`],
      ['/staff/cases', undefined],
      ['/staff/assessment?month=2026-12', `Bearer ${forged}`],
    ] as const) {
      const answer = await call(path, authorization);
      expect(answer, `${path} ${authorization ?? '(none)'}`).toMatchObject({
        status: 401,
        body: { message: 'Unauthorized' },
        event: undefined,
      });
      expect(answer.challenge).toMatch(/^Bearer scope="" error="invalid_token" error_description=".+"$/);
    }
  });

  it('invokes the function with the token’s claims, as strings, with or without "Bearer "', async () => {
    const token = await signIn.tokenFor(USERS.landscaping);
    for (const authorization of [`Bearer ${token}`, token]) {
      const answer = await call('/staff/cases?status=dispatched', authorization);
      expect(answer.status).toBe(200);
      const claims = (answer.event?.requestContext as Authorized | undefined)?.authorizer?.jwt.claims;
      expect(claims).toMatchObject({
        'cognito:username': 'handler.zhao',
        'cognito:groups': '[handler]',
        'custom:unit': 'municipal-landscaping',
        aud: 'cityops-local',
        iss: `${url}/auth`,
      });
      expect(claims?.exp).toMatch(/^\d+$/);
    }
  });

  it('asks nothing on public routes and on IAM routes (no SigV4 locally)', async () => {
    for (const path of ['/', '/app/config.json', '/devices', '/cases']) {
      const answer = await call(path);
      expect(answer.status, path).toBe(200);
      expect(answer.event?.rawPath).toBe(path.split('?')[0]);
      expect(answer.event).toBeDefined();
      expect((answer.event?.requestContext as Authorized | undefined)?.authorizer).toBeUndefined();
    }
  });
});
