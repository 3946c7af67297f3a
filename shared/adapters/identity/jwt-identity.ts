import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { type Identity, SignInError } from '#shared/app/ports/identity';
import { ROLES, type Role, type User } from '#shared/domain/case/actors';

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
 * The longest a sign-in token may last from its issue (`exp` − `iat`), and the oldest it may
 * be (now − `iat`): a day, the longest ID or access token a Cognito app client issues
 * (`IdTokenValidity`, `AccessTokenValidity`: five minutes to one day). The local sign-in's
 * last a shift, 8 hours. A token signed with the right key but lasting longer, or for ever
 * (no `exp`), is refused.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600;

/**
 * Sign-in tokens verified with `jose`: the signature against the issuer's published keys
 * (fetched and cached), the issuer, the audience, the expiry (`exp` and `iat` required,
 * `iat` not in the future, at most {@link MAX_TOKEN_LIFETIME_SECONDS} between them). The same code checks a
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
        requiredClaims: ['exp', 'iat'],
        maxTokenAge: MAX_TOKEN_LIFETIME_SECONDS,
      });
      // Both present and numeric (required, and checked as dates above).
      if ((payload.exp as number) - (payload.iat as number) > MAX_TOKEN_LIFETIME_SECONDS)
        throw new SignInError(
          `the sign-in token is not valid (it lasts longer than ${MAX_TOKEN_LIFETIME_SECONDS / 3600} hours from its iat)`,
        );
      return payload;
    } catch (error) {
      // The claim a check failed on, never jose's words (they quote, and the gateway's challenge header quotes them).
      if (error instanceof errors.JWTClaimValidationFailed || error instanceof errors.JWTExpired)
        throw new SignInError(`the sign-in token is not valid (${error.code}: ${error.claim})`);
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
