import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadDistrictDir } from '#devices/district-files';
import type { Case } from '#shared/domain/cases';
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
});
