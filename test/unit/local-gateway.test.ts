import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { importJWK, type JWK, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '#infra/local/api-server';
import { LOCAL_AUDIENCE, LocalSignIn } from '#infra/local/sign-in';
import { JwtIdentity } from '#shared/adapters/identity/jwt-identity';
import { SignInError } from '#shared/app/ports/identity';
import { API_ROUTES } from '#infra/topology';
import { USERS } from '../support/users.ts';

const folder = () => mkdtempSync(join(tmpdir(), 'cityops-gateway-'));
let url = '';
const ours = folder();
const { signIn } = await LocalSignIn.open(ours, () => url, []);
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

const call = async (path: string, authorization?: string, method = 'GET') => {
  const before = invoked.length;
  const response = await fetch(`${url}${path}`, { method, headers: authorization ? { authorization } : {} });
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
      ['/staff/tickets', undefined],
      ['/staff/tickets/tk-1/transitions', `Bearer ${forged}`],
    ] as const) {
      const answer = await call(path, authorization, path.endsWith('/transitions') ? 'POST' : 'GET');
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

describe('a token needs an expiry, and lasts at most a day (Cognito’s longest ID token)', () => {
  /** A token signed with the stack's own key (what only the sign-in should hold), with the times given. */
  const signed = async (times: Pick<JWTPayload, 'iat' | 'exp'>) => {
    const jwk = JSON.parse(readFileSync(join(ours, 'signing-key.json'), 'utf8')) as JWK;
    let token = new SignJWT({ 'cognito:username': 'leader.zheng', 'cognito:groups': ['leader'], ...times })
      .setProtectedHeader({ alg: 'ES256', kid: jwk.kid! })
      .setIssuer(`${url}/auth`)
      .setAudience(LOCAL_AUDIENCE);
    if (times.iat !== undefined) token = token.setIssuedAt(times.iat);
    if (times.exp !== undefined) token = token.setExpirationTime(times.exp);
    return token.sign(await importJWK(jwk, 'ES256'));
  };
  // The functions' own verifier (the ops API's identity), on the same keys.
  const functions = () =>
    new JwtIdentity({ keys: signIn.jwks(), issuer: signIn.issuerUrl(), audience: LOCAL_AUDIENCE });

  it('refuses one with no exp, no iat, a lifetime over a day or an iat in the future: the gateway and the functions alike', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const [what, times, claim] of [
      ['no exp', { iat: now }, 'exp'],
      ['no iat', { exp: now + 3600 }, 'iat'],
      ['a day and a minute', { iat: now, exp: now + 24 * 3600 + 60 }, 'hours'],
      ['ten years', { iat: now - 60, exp: now + 10 * 365 * 24 * 3600 }, 'hours'],
      ['issued an hour ahead', { iat: now + 3600, exp: now + 7200 }, 'iat'],
      ['issued two days ago', { iat: now - 2 * 24 * 3600, exp: now + 3600 }, 'iat'],
    ] as const) {
      const token = await signed(times);
      const answer = await call('/map', `Bearer ${token}`);
      expect(answer, what).toMatchObject({ status: 401, body: { message: 'Unauthorized' }, event: undefined });
      expect(answer.challenge, what).toContain(claim);
      await expect(functions().verify(token), what).rejects.toThrow(SignInError);
    }
  });

  it('takes one that lasts a shift, or exactly a day', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const times of [
      { iat: now, exp: now + 8 * 3600 },
      { iat: now - 60, exp: now - 60 + 24 * 3600 },
    ]) {
      const token = await signed(times);
      expect((await call('/map', `Bearer ${token}`)).status).toBe(200);
      expect(await functions().verify(token)).toMatchObject({ username: 'leader.zheng', roles: ['leader'] });
    }
  });
});
