import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK, type JWTPayload, SignJWT } from 'jose';
import { z } from 'zod';
import { SignInError } from '#shared/app/ports/identity';
import { CLAIMS, JwtIdentity } from '#shared/adapters/identity/jwt-identity';
import { ROLES, type User } from '#shared/domain/case/actors';
import { SIGN_IN_POLICY, type SignInPolicy, SignInThrottle } from './sign-in-throttle.ts';

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, length: number) => Promise<Buffer>;

/** The audience of the local sign-in's tokens (a Cognito app client's id in AWS). */
export const LOCAL_AUDIENCE = 'cityops-local';
/** How long a token lasts: a shift. */
export const TOKEN_TTL_SECONDS = 8 * 3600;

const UserRecord = z.object({
  username: z.string().regex(/^[a-z0-9._-]{1,64}$/),
  name: z.string().max(100).optional(),
  roles: z.array(z.enum(ROLES)),
  unitId: z.string().min(1).max(100).optional(),
  password: z.object({ salt: z.string(), hash: z.string() }),
});
const UsersFile = z.object({ users: z.array(UserRecord) });
type UserRecord = z.infer<typeof UserRecord>;

/** A user to create, with a password in clear. */
export type NewUser = User & { password: string };

/**
 * One sample user per role (three handlers: two departments' and a street office's; the grid
 * worker of one grid), made when the data folder has no users file. A name is a person's
 * name only: the pages add the role.
 */
export const SAMPLE_USERS: User[] = [
  { username: 'clerk', name: '王芳', roles: ['intake_clerk'] },
  { username: 'shiftlead', name: '李强', roles: ['shift_lead'] },
  { username: 'dispatcher', name: '陈静', roles: ['dispatcher'] },
  { username: 'handler.landscaping', name: '赵磊', roles: ['handler'], unitId: 'municipal-landscaping' },
  { username: 'handler.enforcement', name: '孙悦', roles: ['handler'], unitId: 'enforcement' },
  // The sample district's Hushu street office (a second-level platform: it sends cases down to its communities and grids).
  { username: 'handler.hushu', name: '钱明', roles: ['handler'], unitId: 'gs-hushu' },
  { username: 'inspector', name: '周敏', roles: ['inspector'] },
  { username: 'gridworker', name: '吴刚', roles: ['grid_worker'], unitId: 'gs-hushu-c1-g1' },
  { username: 'leader', name: '郑华', roles: ['leader'] },
  { username: 'admin', name: '林涛', roles: ['admin'] },
];

export const SignInBody = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(200),
});

const hashOf = async (password: string, salt: Buffer) => (await scrypt(password, salt, 32)).toString('base64url');

/**
 * The twin's stand-in for the operators' user pool: a users file in the data folder
 * (`sign-in/users.json`: roles, unit, a scrypt hash of each password) and an ES256 key
 * (`sign-in/signing-key.json`). `POST /auth/token { username, password }` answers a
 * token with the claims a Cognito ID token has (`cognito:username`, `cognito:groups`,
 * `custom:unit`), and `GET /auth/jwks.json` publishes the public key, so the ops API
 * verifies local tokens with the code that verifies Cognito's.
 */
export class LocalSignIn {
  private constructor(
    private readonly users: Map<string, UserRecord>,
    private readonly privateKey: Parameters<SignJWT['sign']>[0],
    private readonly publicJwk: JWK,
    private readonly issuer: () => string,
    private readonly throttle: SignInThrottle,
  ) {}

  /**
   * Opens the sign-in of a folder, making its key and users file when missing: `seed`'s
   * users, or one sample user per role with a new random password. `created` lists the
   * users made now with their passwords (never stored in clear), to be told once. `policy`:
   * how many wrong passwords it takes per user and per address (tests shorten it).
   */
  static async open(
    folder: string,
    issuer: () => string,
    seed?: NewUser[],
    policy: Partial<SignInPolicy> = {},
  ): Promise<{ signIn: LocalSignIn; created: NewUser[] }> {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const keyFile = join(folder, 'signing-key.json');
    let jwk: JWK;
    try {
      jwk = JSON.parse(await readFile(keyFile, 'utf8')) as JWK;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const { privateKey } = await generateKeyPair('ES256', { extractable: true });
      jwk = { ...(await exportJWK(privateKey)), kid: randomBytes(8).toString('hex'), alg: 'ES256' };
      await writeFile(keyFile, JSON.stringify(jwk), { mode: 0o600, flag: 'wx' }).catch(async (e) => {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        jwk = JSON.parse(await readFile(keyFile, 'utf8')) as JWK;
      });
    }
    const { d: _private, ...publicJwk } = jwk;
    const usersFile = join(folder, 'users.json');
    let records: UserRecord[];
    const created: NewUser[] = [];
    try {
      records = UsersFile.parse(JSON.parse(await readFile(usersFile, 'utf8'))).users;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new Error(`${usersFile}: ${(error as Error).message}`);
      const fresh = seed ?? SAMPLE_USERS.map((u) => ({ ...u, password: randomBytes(9).toString('base64url') }));
      records = [];
      for (const { password, ...user } of fresh) {
        const salt = randomBytes(16);
        records.push({ ...user, password: { salt: salt.toString('base64url'), hash: await hashOf(password, salt) } });
        created.push({ ...user, password });
      }
      await writeFile(usersFile, `${JSON.stringify({ users: records }, null, 2)}\n`, { mode: 0o600 });
    }
    const privateKey = await importJWK(jwk, 'ES256');
    return {
      signIn: new LocalSignIn(
        new Map(records.map((r) => [r.username, r])),
        privateKey,
        publicJwk,
        issuer,
        new SignInThrottle({ ...SIGN_IN_POLICY, ...policy }),
      ),
      created,
    };
  }

  /** The issuer's address, as tokens name it (the API's `/auth`). */
  issuerUrl(): string {
    return `${this.issuer()}/auth`;
  }

  jwks(): JSONWebKeySet {
    return { keys: [this.publicJwk] };
  }

  /**
   * What API Gateway's JWT authorizer checks of a bearer token before a route with it is
   * invoked (the signature against the published key, the issuer, the audience and the
   * times), by the verifier the functions use: the token's claims, or a `SignInError`
   * saying what is wrong (the gateway's `www-authenticate` error description).
   */
  claimsOf(token: string): Promise<JWTPayload> {
    return new JwtIdentity({ keys: this.jwks(), issuer: this.issuerUrl(), audience: LOCAL_AUDIENCE }).claimsOf(token);
  }

  /**
   * A token for a username and password from an address (the client's IP): a `SignInError`
   * for a wrong one (the same answer for an unknown user), a `SignInThrottledError` without
   * checking it when the user or the address has failed too often ({@link SignInThrottle}).
   */
  signInWith(
    username: string,
    password: string,
    address: string,
  ): Promise<{ idToken: string; expiresIn: number; user: User }> {
    return this.throttle.attempt(username, address, async () => {
      const record = this.users.get(username);
      const salt = Buffer.from(record?.password.salt ?? 'AAAAAAAAAAAAAAAAAAAAAA', 'base64url');
      const hash = Buffer.from(await hashOf(password, salt), 'base64url');
      const expected = Buffer.from(record?.password.hash ?? '', 'base64url');
      if (!record || expected.length !== hash.length || !timingSafeEqual(hash, expected))
        throw new SignInError('wrong username or password');
      const { password: _hash, ...user } = record;
      return { idToken: await this.tokenFor(user), expiresIn: TOKEN_TTL_SECONDS, user };
    });
  }

  /** A token for a user (tests sign in this way without a password; the API never does). */
  tokenFor(user: User): Promise<string> {
    return new SignJWT({
      [CLAIMS.username]: user.username,
      [CLAIMS.groups]: user.roles,
      ...(user.unitId ? { [CLAIMS.unit]: user.unitId } : {}),
      ...(user.name ? { [CLAIMS.name]: user.name } : {}),
      token_use: 'id',
    })
      .setProtectedHeader({ alg: 'ES256', kid: this.publicJwk.kid! })
      .setSubject(user.username)
      .setIssuer(this.issuerUrl())
      .setAudience(LOCAL_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${TOKEN_TTL_SECONDS}s`)
      .sign(this.privateKey);
  }
}
