import type { User } from '#shared/domain/case/actors';

/** Who a request is from: the signed-in user its bearer token names. */
export interface Identity {
  /** The user a token names; throws `SignInError` for a token that names none (missing, forged, expired). */
  verify(token: string): Promise<User>;
}

/** The request is not from a signed-in user: a 401. */
export class SignInError extends Error {}
