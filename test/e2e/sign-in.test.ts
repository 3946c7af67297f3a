import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadDistrictDir } from '#devices/district-files';
import type { Case } from '#shared/domain/case/model';
import { caseStack } from '../support/case-stack.ts';

/**
 * Signing in on the local stack as `npm start` runs it: the sample users it makes (one
 * per role), a token from POST /auth/token, and the ops API verifying it through the keys
 * the stack publishes (the code that verifies Cognito's tokens in AWS).
 */
const model = await loadDistrictDir();
let s: Awaited<ReturnType<typeof caseStack>>;

beforeAll(async () => {
  s = await caseStack(model, Date.UTC(2026, 11, 2, 2, 0), {
    dynamoEndpoint: inject('dynamoEndpoint'),
    users: undefined,
  });
});
afterAll(() => s?.stop());

const signIn = (body: unknown) =>
  s.api<{ idToken: string; tokenType: string; user: { username: string; roles: string[] }; message?: string }>(
    '/auth/token',
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );

describe('signing in', () => {
  it('makes one sample user per role, and signs them in with their password only', async () => {
    const made = s.stack.createdUsers;
    expect(made.flatMap((u) => u.roles).sort()).toEqual(
      [
        'admin',
        'dispatcher',
        'grid_worker',
        'handler',
        'handler',
        'handler',
        'inspector',
        'intake_clerk',
        'leader',
        'shift_lead',
      ].sort(),
    );
    const clerk = made.find((u) => u.roles.includes('intake_clerk'))!;
    expect(await signIn({ username: clerk.username, password: `${clerk.password}x` })).toMatchObject({
      status: 401,
      body: { message: 'wrong username or password' },
    });
    expect(await signIn({ username: 'nobody', password: clerk.password })).toMatchObject({ status: 401 });
    expect((await signIn({ username: clerk.username })).status).toBe(400);
    const signed = await signIn({ username: clerk.username, password: clerk.password });
    expect(signed).toMatchObject({
      status: 200,
      body: { tokenType: 'Bearer', user: { username: clerk.username, roles: ['intake_clerk'] } },
    });

    // The clerk registers a citizen's report with the token; the history names the clerk.
    const reported = await s.api<{ case: Case }>('/cases/reports', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'public', classId: 'dirty-road', componentId: 'gr-003', description: '路面有泥' }),
    });
    const caseId = reported.body.case.caseId;
    const transition = (token: string, action: string) =>
      s.api<Case & { message?: string }>(`/cases/${caseId}/transitions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ action }),
      });
    const registered = await transition(signed.body.idToken, 'register');
    expect(registered.status).toBe(200);
    expect(registered.body.history.at(-1)).toMatchObject({
      action: 'register',
      actor: clerk.username,
      role: 'intake_clerk',
    });
    // The clerk may not dispatch; a tampered token is nobody.
    const dispatched = await transition(signed.body.idToken, 'dispatch');
    expect(dispatched).toMatchObject({ status: 403, body: { message: expect.stringContaining('dispatch is for') } });
    const [head, payload, signature] = signed.body.idToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, 'cognito:groups': ['dispatcher'] })).toString('base64url');
    expect((await transition(`${head}.${forged}.${signature}`, 'dispatch')).status).toBe(401);
  });

  // Last: it leaves 127.0.0.1 locked out of the sign-in for 15 minutes.
  it('never answers a 5xx to any body, and holds an address that keeps failing', async () => {
    const statuses = new Set<number>();
    const post = async (body: string | Uint8Array, contentType: string) => {
      const response = await fetch(`${s.stack.apiUrl}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body,
      });
      await response.arrayBuffer();
      statuses.add(response.status);
      return response.status;
    };
    const text = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.string({ minLength: 4000, maxLength: 9000 }),
      fc.constantFrom('clerk', 'admin', '', ' ', '\u0000', '../../etc/passwd', '__proto__', 'constructor'),
    );
    const body = fc.oneof(
      fc.record({ username: text, password: text }).map((b) => JSON.stringify(b)),
      fc
        .record({ username: fc.jsonValue(), password: fc.jsonValue(), more: fc.option(fc.jsonValue()) })
        .map((b) => JSON.stringify(b)),
      fc.json(),
      text,
      fc.uint8Array({ maxLength: 5000 }),
      fc.constantFrom('{"username":"clerk","password":', '{"__proto__":{"username":"clerk"}}', 'null', '[]', '{}'),
    );
    const contentType = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', '');
    await fc.assert(
      fc.asyncProperty(body, contentType, async (b, type) => {
        expect(await post(b, type)).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
    expect(statuses.has(400)).toBe(true);

    // Wrong passwords at ever new names from one address: at most 30, then the address waits, even with the right one.
    const clerk = s.stack.createdUsers.find((u) => u.roles.includes('intake_clerk'))!;
    let failures = 0;
    while (failures <= 40 && (await signIn({ username: `guess-${failures}`, password: 'guess' })).status === 401)
      failures++;
    expect(failures).toBeLessThanOrEqual(30);
    const response = await fetch(`${s.stack.apiUrl}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: clerk.username, password: clerk.password }),
    });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(response.headers.get('retry-after'))).toBeLessThanOrEqual(15 * 60);
    expect(await response.json()).toMatchObject({
      error: 'too_many_attempts',
      localMessage: expect.stringMatching(/^登录失败次数过多，请于\d+(秒|分钟)后再试$/),
    });
  });
});
