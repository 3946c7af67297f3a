import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JwtIdentity } from '#shared/adapters/identity/jwt-identity';
import type { Role, User } from '#shared/domain/case/actors';
import { LOCAL_AUDIENCE, LocalSignIn } from '#infra/local/sign-in';

/** One user per role, and handlers of the units the sample's cases go to. */
export const USERS = {
  clerk: { username: 'clerk.wang', roles: ['intake_clerk'] },
  shiftLead: { username: 'lead.li', roles: ['shift_lead'] },
  dispatcher: { username: 'dispatcher.chen', roles: ['dispatcher'] },
  landscaping: { username: 'handler.zhao', roles: ['handler'], unitId: 'municipal-landscaping' },
  enforcement: { username: 'handler.sun', roles: ['handler'], unitId: 'enforcement' },
  inspector: { username: 'inspector.zhou', roles: ['inspector'] },
  gridWorker: { username: 'grid.wu', roles: ['grid_worker'] },
  leader: { username: 'leader.zheng', roles: ['leader'] },
  admin: { username: 'admin', roles: ['admin'] },
} satisfies Record<string, User & { roles: Role[] }>;

/**
 * A sign-in for tests of the ops API's handler: the local sign-in's key and tokens, and
 * the identity that verifies them (the same verifier AWS uses, on the key set itself).
 */
export async function testSignIn() {
  const { signIn } = await LocalSignIn.open(mkdtempSync(join(tmpdir(), 'cityops-sign-in-')), () => 'http://test', []);
  const identity = new JwtIdentity({ keys: signIn.jwks(), issuer: signIn.issuerUrl(), audience: LOCAL_AUDIENCE });
  return {
    identity,
    /** The `Authorization` header of a user. */
    bearer: async (user: User) => ({ authorization: `Bearer ${await signIn.tokenFor(user)}` }),
  };
}
