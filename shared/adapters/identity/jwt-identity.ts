import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { type Identity, SignInError } from '#shared/app/ports/identity';
import { ROLES, type Role, type User } from '#shared/domain/roles';

/** The claims a sign-in token carries (a Cognito ID token's names, which the local sign-in issues too). */
export const CLAIMS = {
  username: 'cognito:username',
  groups: 'cognito:groups',
  unit: 'custom:unit',
  name: 'name',
} as const;

export interface JwtIdentityOptions {
  /** Where the signing keys are: the user pool's (or the local sign-in's) JWKS address, or the keys themselves. */
  keys: URL | JSONWebKeySet;
  issuer: string;
  /** The app client the token was issued to. */
  audience: string;
}

/**
 * Sign-in tokens verified with `jose`: the signature against the issuer's published keys
 * (fetched and cached), the issuer, the audience and the expiry. The same code checks a
 * Cognito ID token in AWS and the local sign-in's token on the twin. The user's roles are
 * the token's groups that are CityOps roles; a handler's unit is `custom:unit`.
 */
export class JwtIdentity implements Identity {
  private readonly keySet: ReturnType<typeof createRemoteJWKSet> | ReturnType<typeof createLocalJWKSet>;

  constructor(private readonly options: JwtIdentityOptions) {
    this.keySet =
      options.keys instanceof URL
        ? createRemoteJWKSet(options.keys, { cooldownDuration: 30_000 })
        : createLocalJWKSet(options.keys);
  }

  async verify(token: string): Promise<User> {
    return userFromClaims(await this.claimsOf(token));
  }

  /** A valid token's claims (what API Gateway's JWT authorizer hands on too); a `SignInError` saying why not. */
  async claimsOf(token: string): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, this.keySet, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: ['RS256', 'ES256'],
      });
      return payload;
    } catch (error) {
      if (error instanceof errors.JOSEError) throw new SignInError(`the sign-in token is not valid (${error.code})`);
      throw error;
    }
  }
}

export function userFromClaims(payload: JWTPayload): User {
  const username = payload[CLAIMS.username] ?? payload.sub;
  if (typeof username !== 'string' || !username) throw new SignInError('the sign-in token names no user');
  const groups = payload[CLAIMS.groups];
  const roles = (Array.isArray(groups) ? groups : []).filter((g): g is Role => ROLES.includes(g as Role));
  const unit = payload[CLAIMS.unit];
  const name = payload[CLAIMS.name];
  return {
    username,
    roles,
    ...(typeof unit === 'string' && unit ? { unitId: unit } : {}),
    ...(typeof name === 'string' && name ? { name } : {}),
  };
}
